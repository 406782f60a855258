/**
 * `npm run bench:browser [-- --json] [--quick] [--matmul SPEC]`: the engine in the built page, in headless Chromium
 * (--matmul: a diagnostic, see bench/browser/main.ts).
 *
 * The npm script builds the bench page (vite.bench.config.ts -> dist-bench/) and this runner;
 * the runner serves dist-bench/ with scripts/serve-static.mjs on a free port, opens it in
 * Chromium with the flags the e2e tests use (playwright.config.ts: Debian's Chromium, WebGPU on
 * SwiftShader), forwards the page's progress to stderr, and waits for the page's report
 * (bench/browser/main.ts). The table goes to stderr; with --json, stdout carries exactly one JSON
 * object (BrowserReport, bench/browser/report.ts), else the table goes to stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import e2eConfig from '../../playwright.config';
import { writeStdout } from '../harness';
import type { BrowserReport } from './report';

/** The whole run, on SwiftShader with two busy cores, takes minutes; past this something hangs. */
const TIMEOUT_MS = 40 * 60_000;
const log = (s: string) => process.stderr.write(`${s}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** scripts/serve-static.mjs on `dir`; resolves once it listens. */
function serve(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['scripts/serve-static.mjs', dir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the static server exited (${code})`)));
    child.stdout!.once('data', () => resolve(child));
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, matmul: { type: 'string' } } });
  const port = await freePort();
  const server = await serve('dist-bench', port);
  // The same browser and flags as the e2e tests.
  const browser = await chromium.launch({ ...e2eConfig.use?.launchOptions, headless: true });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      const text = m.text();
      if (text.startsWith('[bench] ')) log(text.slice(8));
      else if (m.type() === 'error' || m.type() === 'warning') log(`page ${m.type()}: ${text}`);
    });
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    const query = new URLSearchParams();
    if (values.quick) query.set('quick', '');
    if (values.matmul) query.set('matmul', values.matmul);
    await page.goto(`http://127.0.0.1:${port}/${query.size ? `?${query}` : ''}`);
    const handle = await page.waitForFunction(() => window.__benchResults, null, { timeout: TIMEOUT_MS, polling: 1000 });
    const result = (await handle.jsonValue()) as { report: BrowserReport; text: string } | { error: string };
    if ('error' in result) throw new Error(`the bench page failed: ${result.error}`);
    if (values.json) {
      log(`\n${result.text}`);
      await writeStdout(JSON.stringify(result.report, null, 2));
    } else {
      await writeStdout(`\n${result.text}`);
    }
    return 0;
  } finally {
    await browser.close();
    server.kill();
  }
}

main().then(
  (rc) => process.exit(rc),
  (e: unknown) => {
    log(`error: ${(e as Error).message ?? String(e)}`);
    process.exit(1);
  },
);
