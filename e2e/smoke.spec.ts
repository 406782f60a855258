import { test, expect } from '@playwright/test';

test('the page opens and the engine worker gets a WebGPU device', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'GPT Playground' })).toBeVisible();
  await expect(page.getByTestId('gpu-status')).toContainText('WebGPU ready', { timeout: 60_000 });
});

test('the shipped model loads and streams text with attention maps', async ({ page }) => {
  await page.goto('/');
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
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  await page.getByLabel('tokens').fill('5000');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect.poll(async () => (await page.getByTestId('output').innerText()).length, { timeout: 60_000 }).toBeGreaterThan(30);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('button', { name: 'Generate' })).toBeVisible({ timeout: 30_000 });
  const len = (await page.getByTestId('output').innerText()).length;
  expect(len).toBeLessThan(4000);
});
