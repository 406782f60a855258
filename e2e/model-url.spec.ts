/**
 * "Load from URL", offline: the CLI converts the shipped model into Hugging Face's layout
 * (transformer. keys, mask buffers, F16: `cli export-hf`), written at test time into the folder the
 * e2e static server serves; a second server in this process trickles the same files (with CORS) so
 * progress and Cancel can be seen. A bad URL gets an alert and the model in use keeps working.
 */
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { builtCli, port, root } from './helpers';

// playwright.config.ts serves dist-e2e-<port>/ with the page under gpt-playground/; files appear as they are written.
const fixtures = join(root, `dist-e2e-${port}`, 'gpt-playground', 'fixtures');
const servedDir = join(fixtures, 'tiny-hf');

let slow: Server;
let slowUrl = '';

test.beforeAll(async () => {
  test.setTimeout(300_000);
  execFileSync('node', [builtCli(), 'export-hf', '--model', join(root, 'public/weights/shakespeare-char'), '--out', servedDir, '--dtype', 'f16'], { cwd: root, stdio: 'inherit' });
  // Folders refused from config.json alone (no model.safetensors is needed, none is served).
  for (const [name, config] of [
    ['gpt2-xl', { model_type: 'gpt2', n_layer: 48, n_head: 25, n_embd: 1600, n_positions: 1024, vocab_size: 50257 }],
    ['llama', { model_type: 'llama', hidden_size: 4096, num_hidden_layers: 32 }],
  ] as const) {
    mkdirSync(join(fixtures, name), { recursive: true });
    writeFileSync(join(fixtures, name, 'config.json'), JSON.stringify(config));
  }
  const files = new Map(['config.json', 'tokenizer.json', 'model.safetensors'].map((f) => [`/${f}`, readFileSync(join(servedDir, f))]));
  // The same folder from another origin (CORS allowed), model.safetensors at ~400 KB/s.
  // Under /cut/ the connection drops a third of the way into model.safetensors.
  slow = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    const cut = path.startsWith('/cut/');
    const bytes = files.get(cut ? path.slice(4) : path);
    if (!bytes) return void res.writeHead(404, { 'access-control-allow-origin': '*' }).end();
    res.writeHead(200, { 'content-length': bytes.length, 'access-control-allow-origin': '*' });
    let at = 0;
    const tick = setInterval(() => {
      if (res.destroyed || at >= bytes.length) return clearInterval(tick);
      if (cut && at > bytes.length / 3) return void res.destroy();
      const part = bytes.subarray(at, at + 40_000);
      at += part.length;
      if (at >= bytes.length) res.end(part);
      else res.write(part);
    }, 100);
  });
  await new Promise<void>((ok) => slow.listen(0, '127.0.0.1', ok));
  slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
});

test.afterAll(async () => {
  await new Promise<void>((ok) => (slow ? slow.close(() => ok()) : ok()));
});

async function generate(page: Page, seed: number): Promise<string> {
  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByLabel('Prompt').fill('ROMEO:');
  await page.getByLabel('tokens').fill('20');
  await page.getByLabel('seed').fill(String(seed));
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('speed')).toContainText('20 tokens', { timeout: 60_000 });
  return page.getByTestId('output').innerText();
}

async function loadFromUrl(page: Page, url: string) {
  await page.getByRole('tab', { name: 'Models' }).click();
  await page.getByLabel('Model URL').fill(url);
  await page.getByRole('button', { name: 'Load from URL' }).click();
}

test('loads a Hugging Face-layout folder from a URL with progress, cancels a load, reads the cache; a cut connection, a bad URL, a too large or foreign model leave the model working', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });

  // Cancel one load half-way: the progress bar shows MB done of the total, the shipped model stays.
  await loadFromUrl(page, slowUrl);
  const progress = page.getByTestId('url-progress');
  await expect(progress).toContainText(/\d\.\d \/ 1\.\d MB/, { timeout: 30_000 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('url-status')).toHaveText('Cancelled: the model in use is unchanged.');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare');

  // The network lost mid-download: said in words, nothing cached (the second try fails the same way).
  for (let i = 0; i < 2; i++) {
    await loadFromUrl(page, `${slowUrl}cut/`);
    await expect(page.getByTestId('model-error')).toContainText(/connection was lost after \d\.\d of 1\.\d MB/, { timeout: 30_000 });
    await expect(page.getByTestId('model-status')).toContainText('Shakespeare');
    await page.getByTestId('model-error').getByRole('button', { name: 'Dismiss' }).click();
    await expect(page.getByTestId('model-error')).toHaveCount(0);
  }

  // Same-origin folder by a relative URL: F16 weights with transformer. keys and mask buffers.
  await loadFromUrl(page, 'fixtures/tiny-hf/');
  await expect(page.getByTestId('url-status')).toHaveText('Loaded tiny-hf.', { timeout: 60_000 });
  await expect(page.getByTestId('model-status')).toContainText('tiny-hf');
  await expect(page.getByTestId('model-status')).toContainText('4 layers, 4 heads, 128 channels');
  const text = await generate(page, 5);
  expect(text.startsWith('ROMEO:')).toBe(true);

  // Gone from the server: the second load comes from the browser's cache.
  rmSync(servedDir, { recursive: true, force: true });
  await loadFromUrl(page, 'fixtures/tiny-hf/');
  await expect(page.getByTestId('url-status')).toContainText('from this browser’s cache', { timeout: 60_000 });
  expect(await generate(page, 5)).toBe(text);

  // A reload reopens it, from the cache too.
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('tiny-hf', { timeout: 90_000 });
  expect(await generate(page, 5)).toBe(text);

  // A bad URL: an alert in words, and the model in use keeps generating.
  await loadFromUrl(page, './fixtures/no-such-model');
  await expect(page.getByTestId('model-error')).toContainText('Not found');
  await expect(page.getByRole('alert')).toContainText('config.json (HTTP 404)');
  await expect(page.getByTestId('model-status')).toContainText('tiny-hf');
  expect(await generate(page, 5)).toBe(text);

  // Refused from config.json, before any weights: too large for this adapter, not a GPT-2.
  await loadFromUrl(page, './fixtures/gpt2-xl/');
  await expect(page.getByTestId('model-error')).toContainText('but this GPU allows at most');
  await loadFromUrl(page, './fixtures/llama/');
  await expect(page.getByTestId('model-error')).toContainText('model_type is "llama"; only GPT-2');
  await expect(page.getByTestId('model-status')).toContainText('tiny-hf');
});
