/**
 * `npm run bench:first-visit [-- --runs N] [--json] [--dist DIR ...]`: the first visit as a person meets it.
 *
 * The npm script builds the page as it ships (`vite build` -> dist-first-visit/, service worker
 * and all) and this runner. Each run opens headless Chromium (Debian's, WebGPU on SwiftShader:
 * the e2e tests' flags, bench/browser/serve.ts) with a fresh, empty profile, serves the build with
 * scripts/serve-static.mjs (SERVE_LOG=1: every response's path, bytes and when its last byte went
 * out) and loads the page. A script injected before the page's own (addInitScript) acts as the
 * person: it clicks Generate the moment it is enabled and notes, in ms from navigation start,
 *   - Generate enabled: the device is up and the shipped model is loaded;
 *   - first token: the output grows past the prompt;
 *   - tuned: the kernel-tuning note says the kernels are tuned for this GPU (the tuner's choice
 *     is stored, so the repeat visit skips it).
 * The model's bytes: when the server sent the last byte of model.safetensors to the engine worker
 * (the service worker's precache fetches it too: not that one, told apart by its referer, sw.js);
 * "bytes -> first token" is first token minus that.
 * Then a repeat visit: a new page in the same profile (tuning, the model and the service worker's
 * cache all there). Medians over --runs runs (default 3) go to stdout; the page's `[first-visit]`
 * console lines (the worker's compile and tuning report) to stderr.
 * --dist (repeatable) measures other builds instead of dist-first-visit/, e.g. one of an earlier
 * commit for a before/after: each run visits every build in turn, so that the load of a shared
 * machine falls on all of them alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type BrowserContext } from '@playwright/test';
import e2eConfig from '../playwright.config';
import { freePort } from './browser/serve';
import { writeStdout } from './stdout';

const DIST = 'dist-first-visit';
const MODEL_FILE = 'model.safetensors';
/** One visit on SwiftShader with two busy cores takes tens of seconds; past this something hangs. */
const VISIT_TIMEOUT_MS = 5 * 60_000;
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Served {
  path: string;
  query: string;
  referer: string;
  bytes: number;
  at: number;
}

/** What one visit measured; times in ms from navigation start. */
interface Visit {
  generateEnabled: number;
  firstToken: number;
  tuned?: number;
  /** When the engine's request for the model's weights finished (undefined: not fetched from the network). */
  modelArrived?: number;
  bytesToFirstToken?: number;
  /** Bytes the server sent during the visit, by path. */
  downloaded: Record<string, number>;
  totalBytes: number;
  /** The page's `[first-visit]` console lines (compile times, tuning). */
  notes: string[];
}

/**
 * Runs in the page before its own scripts (a string: the bench is type-checked without the DOM):
 * the person who clicks Generate as soon as it can be clicked. Marks are performance.now() ms.
 */
const PERSON_SCRIPT = `(() => {
  const marks = (window.__visit = {});
  const at = () => performance.now();
  const check = () => {
    const out = document.querySelector('[data-testid="output"]');
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Generate');
    if (marks.generateEnabled === undefined && button && !button.disabled) {
      marks.generateEnabled = at();
      marks.before = out ? out.textContent.length : 0;
      button.click();
    }
    if (marks.generateEnabled !== undefined && marks.firstToken === undefined && out && out.textContent.length > marks.before) marks.firstToken = at();
    const tuning = document.querySelector('[data-testid="kernel-tuning"]');
    if (marks.tuned === undefined && tuning && /tuned for this GPU/.test(tuning.textContent)) marks.tuned = at();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();`;

/** scripts/serve-static.mjs with SERVE_LOG=1: `served` collects its log lines. */
function serveLogged(dir: string, port: number, served: Served[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['scripts/serve-static.mjs', dir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SERVE_LOG: '1' } });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the static server exited (${code})`)));
    let rest = '';
    let started = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (!started) {
          started = true;
          resolve(child);
        } else if (line.startsWith('{')) served.push(JSON.parse(line) as Served);
      }
    });
  });
}

async function visit(ctx: BrowserContext, port: number, served: Served[]): Promise<Visit> {
  const page = await ctx.newPage();
  const notes: string[] = [];
  page.on('console', (m) => {
    const text = m.text();
    if (text.startsWith('[first-visit] ')) notes.push(text.slice(14));
    else if (m.type() === 'error') log(`page error: ${text}`);
  });
  const from = served.length;
  try {
    await page.goto(`http://127.0.0.1:${port}/`);
    // Functions, not strings: the page's Content-Security-Policy forbids eval.
    const handle = await page.waitForFunction(
      () => {
        const v = (globalThis as unknown as { __visit?: Record<string, number> }).__visit;
        return v && v.firstToken !== undefined && v.tuned !== undefined ? v : undefined;
      },
      null,
      { timeout: VISIT_TIMEOUT_MS, polling: 100 },
    );
    const marks = (await handle.jsonValue()) as Record<string, number>;
    const origin = await page.evaluate(() => performance.timeOrigin);
    // Let the service worker finish its precache before the bytes are counted.
    await page.waitForTimeout(1000);
    const downloaded: Record<string, number> = {};
    for (const s of served.slice(from)) downloaded[s.path] = (downloaded[s.path] ?? 0) + s.bytes;
    const models = served.slice(from).filter((s) => s.path.endsWith(`/${MODEL_FILE}`));
    for (const m of models) notes.push(`${MODEL_FILE}${m.query} (referer ${m.referer}) sent by ${sec(m.at - origin)}`);
    const model = models.find((s) => !s.referer.endsWith('/sw.js'));
    const modelArrived = model === undefined ? undefined : model.at - origin;
    return {
      generateEnabled: marks.generateEnabled!,
      firstToken: marks.firstToken!,
      tuned: marks.tuned,
      modelArrived,
      bytesToFirstToken: modelArrived === undefined ? undefined : marks.firstToken! - modelArrived,
      downloaded,
      totalBytes: Object.values(downloaded).reduce((a, b) => a + b, 0),
      notes,
    };
  } finally {
    await page.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sec = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(2)} s`);

function table(label: string, visits: Visit[]): string {
  const med = (f: (v: Visit) => number | undefined) => {
    const xs = visits.map(f).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  const rows: [string, string][] = [
    ['Generate enabled', sec(med((v) => v.generateEnabled))],
    ['first token', sec(med((v) => v.firstToken))],
    ["model's bytes arrived", sec(med((v) => v.modelArrived))],
    ['bytes -> first token', sec(med((v) => v.bytesToFirstToken))],
    ['kernels tuned (stored)', sec(med((v) => v.tuned))],
    ['downloaded', `${((med((v) => v.totalBytes) ?? 0) / 1e6).toFixed(2)} MB`],
  ];
  return [`${label} (median of ${visits.length}; ms from navigation start)`, ...rows.map(([k, v]) => `  ${k.padEnd(24)} ${v}`)].join('\n');
}

/** One build under test: its folder, its server, and what its visits measured. */
interface Build {
  dir: string;
  port: number;
  served: Served[];
  first: Visit[];
  repeat: Visit[];
}

/** A fresh profile: a first visit, then a repeat visit in the same profile. */
async function visitTwice(b: Build, label: string): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'first-visit-'));
  const ctx = await chromium.launchPersistentContext(profile, { ...e2eConfig.use?.launchOptions, headless: true, locale: 'en-US' });
  try {
    await ctx.addInitScript({ content: PERSON_SCRIPT });
    const f = await visit(ctx, b.port, b.served);
    b.first.push(f);
    log(`${label} first visit: Generate ${sec(f.generateEnabled)}, first token ${sec(f.firstToken)}, bytes -> first token ${sec(f.bytesToFirstToken)}, tuned ${sec(f.tuned)}, ${(f.totalBytes / 1e6).toFixed(2)} MB`);
    for (const n of f.notes) log(`  ${n}`);
    const r = await visit(ctx, b.port, b.served);
    b.repeat.push(r);
    log(`${label} repeat visit: Generate ${sec(r.generateEnabled)}, first token ${sec(r.firstToken)}, ${(r.totalBytes / 1e6).toFixed(2)} MB`);
    for (const n of r.notes) log(`  ${n}`);
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, json: { type: 'boolean' }, dist: { type: 'string', multiple: true } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number from 1 (got ${values.runs})`);
  // Several --dist: each build is measured in turn within every run, so that a busy machine slows them alike.
  const builds: Build[] = [];
  const servers: ChildProcess[] = [];
  try {
    for (const dir of values.dist ?? [DIST]) {
      const b: Build = { dir, port: await freePort(), served: [], first: [], repeat: [] };
      servers.push(await serveLogged(dir, b.port, b.served));
      builds.push(b);
    }
    for (let i = 0; i < runs; i++) for (const b of builds) await visitTwice(b, `run ${i + 1}/${runs} ${b.dir}`);
  } finally {
    for (const s of servers) s.kill();
  }
  const text = builds
    .flatMap((b) => {
      const bytes = Object.entries(b.first.at(-1)!.downloaded).sort((x, y) => y[1] - x[1]);
      return [
        `== ${b.dir}`,
        table('First visit (empty profile)', b.first),
        '',
        table('Repeat visit (same profile)', b.repeat),
        '',
        'Downloaded on the first visit (last run), by resource:',
        ...bytes.map(([p, n]) => `  ${(n / 1e3).toFixed(1).padStart(9)} kB  ${p}`),
        '',
      ];
    })
    .join('\n');
  if (values.json) {
    log(text);
    await writeStdout(JSON.stringify(builds.map(({ dir, first, repeat }) => ({ dir, first, repeat })), null, 2));
  } else await writeStdout(text);
  return 0;
}

main().then(
  (rc) => process.exit(rc),
  (e: unknown) => {
    log(`error: ${(e as Error).message ?? String(e)}`);
    process.exit(1);
  },
);
