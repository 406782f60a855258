import { test, expect, type Page } from '@playwright/test';
import { hoverCell } from './helpers';

/** Generates `n` tokens with the shipped model and waits for the run to finish. */
async function generate(page: Page, n: number) {
  await page.goto('./');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  await page.getByLabel('tokens').fill(String(n));
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('speed')).toContainText(`${n} tokens`, { timeout: 90_000 });
}

/** A hash of the heatmap's pixels, to see that it changed. */
async function mapPixels(page: Page): Promise<string> {
  return page.getByRole('img', { name: 'Attention heatmap' }).evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i]! + 7 * d[i + 1]! + 13 * d[i + 2]!) >>> 0;
    return `${c.width}:${h}`;
  });
}

test('explore attention after a generation: layer, head, tooltip, Token slider, candidates', async ({ page }) => {
  await generate(page, 24);
  const map = page.getByRole('img', { name: 'Attention heatmap' });
  await expect(map).toBeVisible();
  // Prompt "ROMEO:\n" (7) + 24 generated tokens; the last one has not been fed yet: 30 query rows.
  await expect(map).toHaveAttribute('data-rows', '30');

  // Another layer, another head, the mean of heads: the map changes each time.
  const before = await mapPixels(page);
  await page.getByLabel('Layer', { exact: true }).selectOption('2');
  await expect(map).toHaveAttribute('data-layer', '2');
  const layer2 = await mapPixels(page);
  expect(layer2).not.toBe(before);
  await page.getByLabel('Head', { exact: true }).selectOption('3');
  await expect(map).toHaveAttribute('data-head', '3');
  expect(await mapPixels(page)).not.toBe(layer2);
  await page.getByLabel('Head', { exact: true }).selectOption({ label: 'mean of heads' });
  await expect(map).toHaveAttribute('data-head', '-1');
  // The overview: one small map per layer × head; clicking one selects it.
  await page.getByRole('button', { name: 'Layer 1 head 2' }).click();
  await expect(map).toHaveAttribute('data-layer', '1');
  await expect(map).toHaveAttribute('data-head', '2');
  await expect(page.getByLabel('Layer', { exact: true })).toHaveValue('1');

  // Hover a cell: query 10 looks at key 4.
  const { tip, weight, at } = await hoverCell(page, 10, 4);
  await expect(tip).toBeVisible();
  await expect(tip).toContainText(/query 10 .* key 4/);
  await expect(tip).toContainText(weight.toFixed(3));
  // Click pins it: it stays when the mouse leaves; Esc unpins.
  await page.mouse.click(at.x, at.y);
  await page.mouse.move(0, 0);
  await expect(tip).toContainText('pinned');
  await page.keyboard.press('Escape');
  await expect(tip).toBeHidden();

  // The Token slider moves the highlighted row, and the text follows.
  const slider = page.getByLabel('Token', { exact: true });
  await expect(map).toHaveAttribute('data-selected-row', '29');
  await slider.fill('12');
  await expect(map).toHaveAttribute('data-selected-row', '12');
  await expect(page.getByTestId('token-text')).toHaveAttribute('data-selected', '12');
  await slider.focus();
  await page.keyboard.press('ArrowLeft');
  await expect(map).toHaveAttribute('data-selected-row', '11');
  // Hovering a token in the output selects it too.
  await page.getByTestId('token-text').locator('[data-pos="3"]').hover();
  await expect(map).toHaveAttribute('data-selected-row', '3');

  // Candidates: 10 probabilities, most likely first, summing to at most 1; the next token is marked.
  const items = page.getByRole('list', { name: 'Next-token candidates' }).getByRole('listitem');
  await expect(items).toHaveCount(10);
  const probs = (await items.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-prob'))))) as number[];
  const sum = probs.reduce((a, b) => a + b, 0);
  expect(sum).toBeGreaterThan(0);
  expect(sum).toBeLessThanOrEqual(1 + 1e-5);
  for (let k = 1; k < 10; k++) expect(probs[k]!).toBeLessThanOrEqual(probs[k - 1]!);
  await slider.fill('20'); // a generated position: its sampled token is among the candidates (temperature 0.8, no top-k)
  await expect(items).toHaveCount(10);

  // Zoom: cells grow and shrink by steps, and Fit goes back to the size for 30 rows (12 px).
  await expect(map).toHaveAttribute('data-cell', '12');
  await page.getByRole('button', { name: 'Zoom in' }).click();
  await expect(map).toHaveAttribute('data-cell', '18');
  await expect(page.getByTestId('zoom')).toHaveText('18 px');
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await expect(map).toHaveAttribute('data-cell', '9');
  await page.getByRole('button', { name: 'Fit' }).click();
  await expect(map).toHaveAttribute('data-cell', '12');

  // The README's screenshot is refreshed only on request (UPDATE_SCREENSHOTS=1): a test run leaves the clone unchanged.
  await page.screenshot({ path: process.env.UPDATE_SCREENSHOTS ? 'docs/attention-explorer.png' : 'test-results/attention-explorer.png', fullPage: true });
  await page.setViewportSize({ width: 390, height: 1600 });
  await page.screenshot({ path: 'test-results/attention-explorer-390.png', fullPage: true });
});
