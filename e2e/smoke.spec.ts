import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';

test('the page opens and the engine worker gets a WebGPU device', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByRole('heading', { name: 'GPT Playground' })).toBeVisible();
  await expect(page.getByTestId('gpu-status')).toContainText('WebGPU ready', { timeout: 60_000 });
  // A first visit does not wait for the kernel tuner: the default kernels run while it times the
  // candidates in the background (once the page is idle), then its choice takes over; a reload
  // reads the choice back and tunes nothing.
  await expect(page.getByTestId('kernel-tuning')).toContainText('tuning for this GPU in the background');
  await expect(page.getByTestId('kernel-tuning')).toContainText(/tuned for this GPU in \d+\.\d s/, { timeout: 120_000 });
  await page.reload();
  await expect(page.getByTestId('kernel-tuning')).toContainText('tuned for this GPU (on an earlier visit)', { timeout: 60_000 });
});

test('the shipped model loads and streams text with attention maps', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  await page.getByLabel('tokens').fill('40');
  await page.getByRole('button', { name: 'Generate' }).click();
  // Tokens stream in, then the run finishes and reports its speed.
  await expect(page.getByTestId('speed')).toContainText('40 tokens', { timeout: 90_000 });
  const output = await page.getByTestId('output').innerText();
  expect(output.startsWith('ROMEO:')).toBe(true);
  expect(output.length).toBeGreaterThan('ROMEO:\n'.length + 20);
  // The attention map covers prompt + generated positions.
  const rows = Number(await page.getByTestId('attention-map').getAttribute('data-rows'));
  expect(rows).toBeGreaterThan(7);
  // Same seed, same text.
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('speed')).toContainText('40 tokens', { timeout: 90_000 });
  expect(await page.getByTestId('output').innerText()).toBe(output);
});

test('stop cancels a long generation', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  await page.getByLabel('tokens').fill('5000');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect.poll(async () => (await page.getByTestId('output').innerText()).length, { timeout: 60_000 }).toBeGreaterThan(30);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('button', { name: 'Generate' })).toBeVisible({ timeout: 30_000 });
  const len = (await page.getByTestId('output').innerText()).length;
  expect(len).toBeLessThan(4000);
});

test('a corrupt checkpoint is refused in plain words and the current model keeps working', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  // A truncated safetensors file: 8-byte header length that points past the end of the file.
  const bad = Buffer.alloc(16);
  bad.writeBigUInt64LE(4096n, 0);
  await page.getByLabel('model files').setInputFiles([
    { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: bad },
    { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ model_type: 'gpt2', n_layer: 1, n_head: 1, n_embd: 8, n_positions: 8, vocab_size: 65 })) },
    { name: 'tokenizer.json', mimeType: 'application/json', buffer: readFileSync('public/weights/shakespeare-char/tokenizer.json') },
  ]);
  await expect(page.getByTestId('model-error')).toContainText('model.safetensors', { timeout: 30_000 });
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare');
  await page.getByLabel('tokens').fill('10');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('speed')).toContainText('10 tokens', { timeout: 60_000 });
});
