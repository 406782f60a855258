/**
 * "How it works": a tiny model trained here on a dropped text, followed one token at a time. The
 * chips carry the token ids; stepping Block and Head changes the numbers; the attention weights
 * shown sum to 1 and are the heatmap's row; Temperature reshapes the next-token bars, which keep
 * summing to 1. No main-thread task over 50 ms while the view is used.
 */
import { chromium, test, expect, type Page } from '@playwright/test';
import config from '../playwright.config';
import { generates, hoverCell, openPage, tinyRecipe } from './helpers';

const corpus = 'the cat sat on the mat. a dog ran in the sun. we like green tea.\n'.repeat(80);

async function numbers(page: Page, testId: string, attr: string): Promise<number[]> {
  return page.getByTestId(testId).locator(`[${attr}]`).evaluateAll((els, a) => els.map((e) => Number(e.getAttribute(a))), attr);
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

test('train on a dropped text, follow a token: chips, Block and Head, weights = heatmap row, Temperature', async ({ page }) => {
  await openPage(page);
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByLabel('Training text').setInputFiles({ name: 'cats.txt', mimeType: 'text/plain', buffer: Buffer.from(corpus) });
  await expect(page.getByTestId('corpus-summary')).toContainText('cats.txt');
  const vocab = Number(await page.getByTestId('vocab-size').innerText());
  await tinyRecipe(page, { steps: 30, evalEvery: 30 });
  await page.getByLabel('layers', { exact: true }).fill('2'); // two blocks to step through
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toContainText('Done: 30 steps', { timeout: 110_000 });

  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByLabel('Prompt').fill('the cat');
  await generates(page, 8);

  await page.evaluate(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__long.push(e.duration))).observe({ type: 'longtask', buffered: false });
  });
  const longTasks = () => page.evaluate(() => (window as unknown as { __long: number[] }).__long.splice(0));
  await page.getByRole('tab', { name: 'How it works' }).click();
  const chips = page.getByTestId('how-token');
  await expect(chips.first()).toBeVisible({ timeout: 30_000 });
  const opening = await longTasks();
  expect(opening.filter((d) => d > 50), `main-thread tasks over 50 ms opening the view: ${opening.join(', ')}`).toEqual([]);
  await expect(page.getByTestId('how-status')).toContainText('GPU');
  // Prompt (7 characters) + 7 fed generated tokens, the newest selected: 14 chips, ids in the vocabulary.
  const ids = await chips.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
  expect(ids.length).toBe(14);
  for (const id of ids) expect(id >= 0 && id < vocab, `token id ${id} outside 0..${vocab - 1}`).toBe(true);
  await expect(page.getByTestId('how-vocab')).toContainText(String(vocab));
  expect((await chips.first().innerText()).startsWith('t')).toBe(true);

  // Block and Head change the numbers.
  const ln1 = page.getByTestId('how-ln1-stats');
  const qNorm = () => page.getByTestId('how-qkv').locator('[data-norm]').first().getAttribute('data-norm');
  const before = { ln: await ln1.innerText(), q: await qNorm(), w: await numbers(page, 'how-weights', 'data-weight') };
  await page.getByLabel('Block', { exact: true }).selectOption('1');
  await expect(ln1).not.toHaveText(before.ln);
  const block1 = { q: await qNorm(), w: await numbers(page, 'how-weights', 'data-weight') };
  expect(block1.q).not.toBe(before.q);
  await page.getByLabel('Head', { exact: true }).selectOption('1');
  await expect.poll(qNorm).not.toBe(block1.q);
  const weights = await numbers(page, 'how-weights', 'data-weight');
  expect(weights).not.toEqual(block1.w);
  expect(weights.length).toBe(14); // one per position seen, itself included
  expect(Math.abs(sum(weights) - 1), `weights sum to ${sum(weights)}`).toBeLessThan(1e-4);
  expect(Math.abs(sum(before.w) - 1)).toBeLessThan(1e-4);

  const stepping = await longTasks();
  expect(stepping.filter((d) => d > 50), `main-thread tasks over 50 ms stepping Block and Head: ${stepping.join(', ')}`).toEqual([]);

  // The same numbers as the heatmap's row: open it from here (block 1, head 1, this position).
  await page.getByRole('button', { name: /Show this row in the Write tab/ }).click();
  await expect(page.getByLabel('Layer', { exact: true })).toHaveValue('1');
  await expect(page.getByLabel('Head', { exact: true })).toHaveValue('1');
  const query = weights.length - 1;
  for (const key of [0, Math.floor(query / 2), query]) {
    const { weight } = await hoverCell(page, query, key);
    // The tooltip shows 3 decimals: the traced weight rounds to it.
    expect(weight, `heatmap (${query}, ${key}) = ${weight}, traced ${weights[key]}`).toBe(Number(weights[key]!.toFixed(3)));
  }

  // Temperature reshapes the bars; they still sum to 1.
  await page.getByRole('tab', { name: 'How it works' }).click();
  await expect(page.getByTestId('how-probs')).toBeVisible({ timeout: 30_000 });
  await longTasks(); // mounting the Write tab above is not this view's
  const probs = () => numbers(page, 'how-probs', 'data-prob');
  const warm = await probs();
  expect(Math.abs(sum(warm) - 1)).toBeLessThan(1e-4);
  await page.getByLabel('Temperature', { exact: true }).fill('0.3');
  await expect.poll(async () => (await probs())[0]).toBeGreaterThan(warm[0]!); // sharper: the most likely token gains
  const cold = await probs();
  expect(Math.abs(sum(cold) - 1), `bars sum to ${sum(cold)}`).toBeLessThan(1e-4);
  await page.getByLabel('Temperature', { exact: true }).fill('1.8');
  await expect.poll(async () => (await probs())[0]).toBeLessThan(cold[0]!);
  expect(Math.abs(sum(await probs()) - 1)).toBeLessThan(1e-4);

  const tempering = await longTasks();
  expect(tempering.filter((d) => d > 50), `main-thread tasks over 50 ms moving Temperature: ${tempering.join(', ')}`).toEqual([]);
});

test('without WebGPU the view traces on the CPU: a typed text, its chips, weights summing to 1, Temperature', async ({ baseURL }) => {
  // Chromium with WebGPU switched off, as in opens-anywhere.spec.ts (its own browser).
  const launch = config.use!.launchOptions!;
  const args = (launch.args ?? []).filter((a) => a !== '--enable-unsafe-webgpu' && !a.startsWith('--use-webgpu-adapter'));
  const browser = await chromium.launch({ ...launch, args: [...args, '--disable-webgpu'] });
  const page = await (await browser.newContext({ baseURL })).newPage();
  try {
    await page.goto('./');
    await expect(page.getByTestId('model-status')).toContainText('on the CPU', { timeout: 60_000 });
    await page.getByRole('tab', { name: 'How it works' }).click();
    await page.getByLabel('Text', { exact: true }).fill('JULIET:');
    await expect(page.getByTestId('how-status')).toContainText('CPU', { timeout: 30_000 });
    const chips = page.getByTestId('how-token');
    await expect(chips).toHaveCount(7);
    expect(await chips.evaluateAll((els) => els.map((e) => e.textContent?.[0]).join(''))).toBe('JULIET:');
    await page.getByLabel('Head', { exact: true }).selectOption('3');
    await expect(page.getByTestId('how-weights').locator('[data-weight]')).toHaveCount(7, { timeout: 30_000 });
    const weights = await numbers(page, 'how-weights', 'data-weight');
    expect(weights.length).toBe(7);
    expect(Math.abs(sum(weights) - 1)).toBeLessThan(1e-4);
    // The panels mount one task at a time: the output stage may come a moment after the chips.
    await expect(page.getByTestId('how-probs').locator('[data-prob]').first()).toBeVisible({ timeout: 30_000 });
    const first = (await numbers(page, 'how-probs', 'data-prob'))[0]!;
    await page.getByLabel('Temperature', { exact: true }).fill('2');
    await expect.poll(async () => (await numbers(page, 'how-probs', 'data-prob'))[0]).toBeLessThan(first);
    expect(Math.abs(sum(await numbers(page, 'how-probs', 'data-prob')) - 1)).toBeLessThan(1e-4);
  } finally {
    await browser.close();
  }
});
