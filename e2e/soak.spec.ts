/**
 * Memory over time: generations, short trainings, model switches and attention-explorer changes in
 * one page. The GPU bytes the engine holds (EngineApi.gpuBytesInUse, through the test hooks) and the
 * browser's memory (the proportional set size, PSS, of every Chromium process this test started,
 * from /proc/<pid>/smaps_rollup, after a forced garbage collection in the page and its worker) are
 * read after the first generation and again at the end, with the shipped model back in use:
 * the GPU bytes must be exactly those of the start (every buffer of a replaced model, of a finished
 * training, of a decoder is freed), the memory within MEMORY_MARGIN of the start.
 *
 * `npm test` runs 50 generations of 4 tokens, 5 trainings of 10 steps, 10 switches and 20 explorer
 * changes; SOAK=long runs the same counts with 200-token generations and 60-step trainings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import config from '../playwright.config';
import { openPage, tinyRecipe } from './helpers';

const LONG = process.env.SOAK === 'long';
const SIZE = LONG ? { generations: 50, tokens: 200, trainings: 5, steps: 60, switches: 10, explorer: 20 } : { generations: 50, tokens: 4, trainings: 5, steps: 10, switches: 10, explorer: 20 };
/** How far above its first reading the browser's memory may end (the JIT's code, caches, and the allocator's slack grow a little with use). */
const MEMORY_MARGIN = 0.25;

// The same browser as every spec, with gc() callable, so both readings are taken after a collection.
const launch = config.use!.launchOptions!;
test.use({ launchOptions: { ...launch, args: [...(launch.args ?? []), '--js-flags=--expose-gc'] } });

/** Kilobytes of PSS summed over the processes descended from this test process (Chromium's browser, GPU, renderer, utility processes). */
function browserPssKb(): number {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  let kb = 0;
  for (const pid of parent.keys()) {
    if (!mine(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('chromium')) continue;
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return kb;
}

type Hooks = { gpuBytesInUse(): Promise<number> };

async function reading(page: Page): Promise<{ gpuBytes: number; pssMb: number }> {
  for (let i = 0; i < 2; i++) {
    await page.evaluate(() => (globalThis as unknown as { gc(): void }).gc());
    for (const w of page.workers()) await w.evaluate(() => (globalThis as unknown as { gc(): void }).gc());
  }
  await page.waitForTimeout(500);
  const gpuBytes = await page.evaluate(() => (window as unknown as { __gptTestHooks: Hooks }).__gptTestHooks.gpuBytesInUse());
  return { gpuBytes, pssMb: browserPssKb() / 1024 };
}

async function generate(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('speed')).toContainText(`${SIZE.tokens} tokens`, { timeout: 90_000 });
}

test('soak: generations, trainings, model switches and explorer changes; the GPU bytes come back exactly and the memory within the margin', async ({ page }) => {
  test.setTimeout(LONG ? 3_600_000 : 600_000);
  const t0 = Date.now();
  await openPage(page, './?test-hooks');
  await page.getByLabel('tokens').fill(String(SIZE.tokens));
  await generate(page);
  const start = await reading(page);

  // Each kind of work spread over the generations, the first training before the first switch.
  const at = (count: number, r: number) => count > 0 && r % Math.floor(SIZE.generations / count) === 0 && r / Math.floor(SIZE.generations / count) < count;
  let trained = 0;
  let switched = 0;
  let explored = 0;
  let corpusSet = false;
  const models = page.getByTestId('library-row');
  for (let r = 0; r < SIZE.generations; r++) {
    if (at(SIZE.trainings, r)) {
      await page.getByRole('tab', { name: 'Train' }).click();
      if (!corpusSet) {
        await page.getByLabel('Training text').setInputFiles({ name: 'soak.txt', mimeType: 'text/plain', buffer: Buffer.from('the quick brown fox jumps over the lazy dog.\n'.repeat(120)) });
        await expect(page.getByTestId('corpus-summary')).toContainText('soak.txt');
        await tinyRecipe(page, { steps: SIZE.steps, evalEvery: SIZE.steps });
        corpusSet = true;
      }
      await page.getByLabel('Model name').fill(`soak ${++trained}`);
      await page.getByRole('button', { name: 'Start training' }).click();
      await expect(page.getByTestId('train-status')).toContainText(`Done: ${SIZE.steps} steps`, { timeout: 300_000 });
      await expect(page.getByTestId('model-status')).toContainText(`soak ${trained}`);
    }
    if (at(SIZE.switches, r)) {
      // Every other switch to the shipped model, the others to one of the trained ones.
      await page.getByRole('tab', { name: 'Models' }).click();
      const name = ++switched % 2 === 1 ? 'Shakespeare' : `soak ${1 + (switched % trained)}`;
      const row = models.filter({ hasText: name }).first();
      if (await row.getByRole('button', { name: 'Use' }).count()) await row.getByRole('button', { name: 'Use' }).click();
      await expect(page.getByTestId('model-status')).toContainText(name, { timeout: 60_000 });
    }
    await generate(page);
    if (at(SIZE.explorer, r)) {
      for (let i = 0; i < 2 && explored < SIZE.explorer; i++) {
        const change = explored++ % 3;
        const pick = async (label: string) => {
          const select = page.getByLabel(label, { exact: true });
          await select.selectOption({ index: explored % (await select.locator('option').count()) }); // a 1-layer model has one layer
        };
        if (change === 0) await pick('Layer');
        else if (change === 1) await pick('Head');
        else {
          await page.getByLabel('Token', { exact: true }).focus();
          await page.keyboard.press('Home');
        }
      }
    }
  }
  expect({ trained, switched, explored }).toEqual({ trained: SIZE.trainings, switched: SIZE.switches, explored: SIZE.explorer });

  // The shipped model back in use, one more generation, and the second reading.
  await page.getByRole('tab', { name: 'Models' }).click();
  const shipped = models.filter({ hasText: 'Shakespeare' }).first();
  if (await shipped.getByRole('button', { name: 'Use' }).count()) await shipped.getByRole('button', { name: 'Use' }).click();
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 60_000 });
  await generate(page);
  const end = await reading(page);

  const figures = `soak (${LONG ? 'SOAK=long' : 'default'}: ${SIZE.generations} generations of ${SIZE.tokens} tokens, ${SIZE.trainings} trainings of ${SIZE.steps} steps, ${SIZE.switches} switches, ${SIZE.explorer} explorer changes) in ${((Date.now() - t0) / 1000).toFixed(0)} s: GPU bytes ${start.gpuBytes} -> ${end.gpuBytes}; browser PSS ${start.pssMb.toFixed(0)} MB -> ${end.pssMb.toFixed(0)} MB (${(100 * (end.pssMb / start.pssMb - 1)).toFixed(1)}%)`;
  console.log(figures);
  test.info().annotations.push({ type: 'soak', description: figures });
  expect(start.pssMb).toBeGreaterThan(50); // the reading found the browser's processes
  expect(end.gpuBytes).toBe(start.gpuBytes);
  expect(end.pssMb).toBeLessThan(start.pssMb * (1 + MEMORY_MARGIN));
});
