/**
 * What the browser benchmarks (bench/browser/run.ts, bench/explorer.ts) share: a free port, the
 * plain static server of the e2e tests (scripts/serve-static.mjs), and Chromium launched with the
 * e2e tests' flags (playwright.config.ts: Debian's Chromium, WebGPU on SwiftShader).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { chromium, type Browser } from '@playwright/test';
import e2eConfig from '../../playwright.config';

export function freePort(): Promise<number> {
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
export function serve(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['scripts/serve-static.mjs', dir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the static server exited (${code})`)));
    child.stdout!.once('data', () => resolve(child));
  });
}

/** The same browser and flags as the e2e tests, headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ ...e2eConfig.use?.launchOptions, headless: true });
}
