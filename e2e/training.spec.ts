import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { openPage, tinyRecipe } from './helpers';

/** A small mixed-script corpus: English, Chinese and emoji, enough for a tiny model to learn its characters. */
function mixedCorpus(): string {
  const lines = [
    'the cat sat on the mat. 猫坐在垫子上。',
    'a dog ran in the sun. 狗在阳光下奔跑。',
    'we like green tea 🍵 我们喜欢绿茶。',
    'the moon is bright tonight. 今晚月亮很亮。',
  ];
  let s = '';
  for (let i = 0; s.length < 6000; i++) s += `${lines[i % lines.length]}\n`;
  return s;
}

async function openTrainTab(page: Page) {
  await openPage(page);
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.getByRole('button', { name: 'Start training' })).toBeVisible();
}

test('drop a text with Chinese and emoji, train, watch loss and samples, stop, and write with the new model', async ({ page }) => {
  const corpus = mixedCorpus();
  await openTrainTab(page);
  await page.getByLabel('Training text').setInputFiles({ name: 'mixed.txt', mimeType: 'text/plain', buffer: Buffer.from(corpus) });
  const summary = page.getByTestId('corpus-summary');
  await expect(summary).toContainText('mixed.txt');
  const distinct = new Set(corpus).size;
  await expect(page.getByTestId('vocab-size')).toHaveText(String(distinct));
  await tinyRecipe(page, { steps: 2000, evalEvery: 15 });
  await expect(page.getByTestId('memory-plan')).toContainText('parameters');

  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('button', { name: 'Start training' })).toBeHidden();
  // Long tasks on the main thread while training (the UI must stay responsive), from once it runs:
  // pressing Start mounts the run's panels (a user action, as the tab switches below), and
  // Playwright's role queries for the button run on the page's main thread too.
  await page.evaluate(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__long.push(e.duration))).observe({ type: 'longtask', buffered: false });
  });
  // Generate is disabled during training, with the reason.
  await expect.poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points')), { timeout: 90_000 }).toBeGreaterThan(3);
  await expect(page.getByTestId('train-progress')).toContainText('tokens/s');
  await expect(page.getByTestId('training-sample').first()).toBeVisible({ timeout: 90_000 });
  await expect.poll(async () => page.getByTestId('training-sample').count(), { timeout: 90_000 }).toBeGreaterThan(1); // step 0 and step 15
  expect(await page.title()).toMatch(/Step \d+\/2,000 · loss/); // numbers formatted in the page's language
  // The probe text's attention appears at each evaluation, every layer x head, with a step slider.
  const probe = page.getByTestId('probe-attention');
  await expect(probe).toBeVisible();
  await expect(probe.locator('canvas')).toHaveCount(2); // 1 layer x 2 heads
  await expect(page.getByLabel('Training step')).toBeVisible();
  await page.getByLabel('Training step').fill('0');
  await expect(probe).toHaveAttribute('data-step', '0');
  // Steady state while the user watches: no long task (switching tabs below mounts whole panels, a user action).
  const longTasks = async () => page.evaluate(() => (window as unknown as { __long: number[] }).__long.splice(0));
  const watching = await longTasks();
  expect(watching.filter((d) => d > 50), `main-thread tasks over 50 ms while training: ${watching.join(', ')}`).toEqual([]);
  await page.getByRole('tab', { name: 'Write' }).click();
  await expect(page.getByRole('button', { name: 'Generate' })).toBeDisabled();
  await expect(page.getByTestId('generate-disabled')).toContainText('Training');
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.waitForTimeout(500);
  await longTasks();

  // Pause takes effect, Resume continues.
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible({ timeout: 30_000 });
  const pausedAt = Number(await page.getByTestId('loss-chart').getAttribute('data-points'));
  await page.waitForTimeout(1500);
  expect(Number(await page.getByTestId('loss-chart').getAttribute('data-points'))).toBeLessThanOrEqual(pausedAt + 2);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(pausedAt + 2);

  const resumed = await longTasks();
  expect(resumed.filter((d) => d > 50), `main-thread tasks over 50 ms while training: ${resumed.join(', ')}`).toEqual([]);
  await page.getByRole('button', { name: 'Stop training' }).click();
  await expect(page.getByTestId('train-status')).toContainText('stopped', { timeout: 60_000 });
  await expect(page.getByTestId('model-status')).toContainText('mixed');

  // The new model writes with the corpus's characters.
  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByLabel('Prompt').fill('猫');
  await page.getByLabel('tokens').fill('40');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('speed')).toContainText('40 tokens', { timeout: 60_000 });
  const out = (await page.getByTestId('output').innerText()).slice(1);
  expect(out.length).toBeGreaterThan(10);
  const allowed = new Set(corpus);
  for (const ch of out) expect(allowed.has(ch), `generated ${JSON.stringify(ch)} not in the corpus`).toBe(true);
});

test('bad training texts get an alert that says what to do, and the chosen text stays', async ({ page }) => {
  await openTrainTab(page);
  await page.getByLabel('Training text').setInputFiles({ name: 'good.txt', mimeType: 'text/plain', buffer: Buffer.from(mixedCorpus()) });
  await expect(page.getByTestId('corpus-summary')).toContainText('good.txt');
  const alert = page.getByTestId('train-alert');
  const cases: { name: string; buffer: Buffer; says: RegExp }[] = [
    { name: 'empty.txt', buffer: Buffer.alloc(0), says: /empty/ },
    { name: 'image.png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0xff, 0xfe, 0x00, 0x81]), says: /not UTF-8|binary/ },
    { name: 'latin1.txt', buffer: Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x63, 0x72, 0xe8, 0x6d, 0x65, 0x0a]), says: /not UTF-8/ },
    { name: 'nuls.txt', buffer: Buffer.from('abc\0def\0ghi'), says: /binary/ },
  ];
  for (const c of cases) {
    await page.getByLabel('Training text').setInputFiles({ name: c.name, mimeType: 'application/octet-stream', buffer: c.buffer });
    await expect(alert).toContainText(c.says);
    await expect(page.getByTestId('corpus-summary')).toContainText('good.txt');
    await alert.getByRole('button', { name: 'Dismiss' }).click();
  }
  // Too big: refused from its size alone (never read into the tab).
  const huge = join(tmpdir(), 'huge-corpus.txt');
  writeFileSync(huge, Buffer.alloc(101_000_000, 0x61));
  await page.getByLabel('Training text').setInputFiles(huge);
  await expect(alert).toContainText(/too large.*101\.0 MB/);
  await expect(page.getByTestId('corpus-summary')).toContainText('good.txt');
  await alert.getByRole('button', { name: 'Dismiss' }).click();

  // Shorter than one block: the text loads, and Start is disabled at once with what to do (the
  // worker's own recipe check, run in the page): a longer text or a context it allows.
  await page.getByLabel('Training text').setInputFiles({ name: 'short.txt', mimeType: 'text/plain', buffer: Buffer.from('to be or not to be, that is the question.\n'.repeat(3)) });
  await expect(page.getByTestId('corpus-summary')).toContainText('short.txt');
  const start = page.getByRole('button', { name: 'Start training' });
  const problem = page.getByTestId('plan-problem');
  await expect(start).toBeDisabled();
  await expect(problem).toContainText(/too short.*context length/);
  // 126 characters: the validation tenth has 13 tokens, so a context of at most 11 fits.
  await expect(problem).toContainText('a context length of at most 11');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare');
  const advanced = page.getByText('Advanced', { exact: true });
  await advanced.click();
  await page.getByLabel('block size', { exact: true }).fill('11');
  await expect(problem).toBeHidden();
  await expect(start).toBeEnabled();
  // Any other recipe the worker would refuse is said before Start too.
  await page.getByLabel('dropout', { exact: true }).fill('1');
  await expect(problem).toContainText('dropout must be at least 0 and below 1, but it is 1.');
  await expect(start).toBeDisabled();
  await page.getByLabel('dropout', { exact: true }).fill('0');
  await expect(start).toBeEnabled();
  await advanced.click();

  // One repeated character trains, and says the vocabulary is 1.
  await page.getByLabel('Training text').setInputFiles({ name: 'aaaa.txt', mimeType: 'text/plain', buffer: Buffer.from('a'.repeat(2000)) });
  await expect(page.getByTestId('vocab-size')).toHaveText('1');
  await expect(page.getByTestId('corpus-summary')).toContainText('single distinct character');

  // A model too large for the adapter is refused before anything is allocated.
  await page.getByText('Advanced').click();
  await page.getByLabel('channels', { exact: true }).fill('2048');
  await page.getByLabel('layers', { exact: true }).fill('48');
  await page.getByLabel('block size', { exact: true }).fill('1024');
  await page.getByLabel('batch', { exact: true }).fill('512');
  await expect(page.getByTestId('plan-problem')).toContainText('Too large for this GPU');
  await expect(page.getByRole('button', { name: 'Start training' })).toBeDisabled();
});
