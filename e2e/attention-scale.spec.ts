/**
 * The explorer with GPT-2 small's attention shape: 12 layers × 12 heads, context 1024. The CLI makes
 * such a model at test time (48 channels, 65 characters, 2 training steps: SwiftShader decodes it
 * at ~20 tokens/s, GPT-2 small itself at 0.1) in Hugging Face's layout, and the page loads it by
 * "Load from URL". The overview then holds 144 maps in one canvas with a button over each; the
 * main map, tooltip and Token slider work as with the shipped model. `npm run bench:explorer`
 * times the same page over 1023 tokens.
 */
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { builtCli, hoverCell, openPage, port, root } from './helpers';

// playwright.config.ts serves dist-e2e-<port>/ with the page under gpt-playground/.
const served = join(root, `dist-e2e-${port}`, 'gpt-playground', 'fixtures', 'gpt2-shape');
const work = join(root, `dist-e2e-${port}`, 'attention-scale');

test.beforeAll(() => {
  test.setTimeout(300_000);
  const run = (...args: string[]) => execFileSync('node', ['--no-use-osr', builtCli(), ...args], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  run('train', '--data', 'public/corpora/tinyshakespeare.txt', '--out', join(work, 'model'), '--layers', '12', '--heads', '12', '--embd', '48', '--block', '1024', '--batch', '1', '--steps', '2', '--warmup', '0', '--eval-every', '2', '--eval-iters', '1');
  run('export-hf', '--model', join(work, 'model'), '--out', served, '--dtype', 'f32');
});

test.afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(served, { recursive: true, force: true });
});

test('12 layers × 12 heads at context 1024: the overview shows 144 maps, any opens in the main map, tooltip and Token slider follow', async ({ page }) => {
  await openPage(page);
  await page.getByRole('tab', { name: 'Models' }).click();
  await page.getByLabel('Model URL').fill('fixtures/gpt2-shape/');
  await page.getByRole('button', { name: 'Load from URL' }).click();
  await expect(page.getByTestId('model-status')).toContainText('12 layers, 12 heads, 48 channels, context 1,024', { timeout: 120_000 });

  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByLabel('Prompt').fill('ROMEO:');
  await page.getByLabel('tokens').fill('40');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('speed')).toContainText('40 tokens', { timeout: 120_000 });
  const map = page.getByRole('img', { name: 'Attention heatmap' });
  // "ROMEO:" (6) + 40 generated; the last one has not been fed: 45 query rows.
  await expect(map).toHaveAttribute('data-rows', '45');

  // Selectors list every layer, every head and their mean.
  await expect(page.getByLabel('Layer', { exact: true }).locator('option')).toHaveCount(12);
  await expect(page.getByLabel('Head', { exact: true }).locator('option')).toHaveCount(13);

  // The overview: 144 buttons over one painted canvas; the last one opens layer 11, head 11.
  const overview = page.getByTestId('attention-overview');
  await expect(overview.getByRole('button')).toHaveCount(144);
  const painted = await overview.locator('canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
    return n / (c.width * c.height);
  });
  expect(painted).toBeGreaterThan(0.2); // every thumbnail's lower triangle, and more
  await overview.getByRole('button', { name: 'Layer 11 head 11', exact: true }).click();
  await expect(map).toHaveAttribute('data-layer', '11');
  await expect(map).toHaveAttribute('data-head', '11');
  await expect(page.getByLabel('Layer', { exact: true })).toHaveValue('11');

  // Hover: query 30 looks at key 5, with a weight in [0, 1].
  await hoverCell(page, 30, 5);

  // The Token slider moves the highlighted row.
  await page.getByLabel('Token', { exact: true }).fill('10');
  await expect(map).toHaveAttribute('data-selected-row', '10');
  await expect(page.getByTestId('token-text')).toHaveAttribute('data-selected', '10');
});
