#!/usr/bin/env node
/**
 * A plain static file server, as GitHub Pages or any static host would serve the built page:
 * files as they are, index.html for a folder, 404 otherwise; no rewrites, no compression.
 * The e2e tests serve dist under a sub path with it (playwright.config.ts).
 *
 *   node scripts/serve-static.mjs <root> <port> [host]
 *
 * With SERVE_LOG=1 it prints one JSON line per response sent, after the startup line:
 * {"path":"/x","query":"?a=b","referer":"…","bytes":n,"at":<Date.now() when the last byte was handed to the socket>}
 * (npm run bench:first-visit counts what a first visit downloads with it).
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const [rootArg, portArg, host = '127.0.0.1'] = process.argv.slice(2);
if (!rootArg || !portArg) {
  console.error('usage: node scripts/serve-static.mjs <root> <port> [host]');
  process.exit(2);
}
const root = resolve(rootArg);
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.safetensors': 'application/octet-stream',
};

function fileFor(urlPath) {
  const rel = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const path = join(root, rel);
  if (path !== root && !path.startsWith(root + sep)) return undefined; // no escaping the root
  try {
    const st = statSync(path);
    if (st.isDirectory()) {
      if (!urlPath.endsWith('/')) return { redirect: `${urlPath}/` };
      const index = join(path, 'index.html');
      return { path: index, size: statSync(index).size };
    }
    return { path, size: st.size };
  } catch {
    return undefined;
  }
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const f = fileFor(url.pathname);
  if (!f) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  if (f.redirect) {
    res.writeHead(301, { location: f.redirect + url.search }).end();
    return;
  }
  if (process.env.SERVE_LOG === '1') res.on('finish', () => console.log(JSON.stringify({ path: url.pathname, query: url.search, referer: req.headers.referer ?? '', bytes: req.method === 'HEAD' ? 0 : f.size, at: Date.now() })));
  res.writeHead(200, { 'content-type': TYPES[extname(f.path)] ?? 'application/octet-stream', 'content-length': f.size, 'cache-control': 'no-cache' });
  if (req.method === 'HEAD') res.end();
  else createReadStream(f.path).pipe(res);
}).listen(Number(portArg), host, () => console.log(`serving ${root} at http://${host}:${portArg}/`));
