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
import { parseArgs } from 'node:util';
import { writeStdout } from '../stdout';
import type { BrowserReport } from './report';
import { freePort, launchChromium, serve } from './serve';

/** The whole run, on SwiftShader with two busy cores, takes minutes; past this something hangs. */
const TIMEOUT_MS = 40 * 60_000;
const log = (s: string) => process.stderr.write(`${s}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, matmul: { type: 'string' } } });
  const port = await freePort();
  const server = await serve('dist-bench', port);
  const browser = await launchChromium();
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
