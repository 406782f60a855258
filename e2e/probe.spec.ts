import { test, expect } from '@playwright/test';
import { openPage, tinyRecipe } from './helpers';

/** About 30 KB of made-up words (seeded): enough for a learned vocabulary and a held-out probe. */
function wordsCorpus(): string {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const syllables = ['ka', 'lo', 'mi', 'ra', 'ten', 'sha', 'vo', 'ed', 'ing', 'th', 'an'];
  const words = Array.from({ length: 200 }, () => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => syllables[Math.floor(rand() * syllables.length)]).join(''));
  let s = '';
  while (s.length < 30_000) s += `${Array.from({ length: 10 }, () => words[Math.floor(rand() ** 2 * words.length)]).join(' ')}\n`;
  return s;
}

const barProbs = async (page: import('@playwright/test').Page) => (await page.getByTestId('next-token-bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-p'))))) as number[];

test('watch it learn: the probe tinted by p(true next token), bars that sharpen along the Training step slider, a chart click, and the story after a reload', async ({ page }, info) => {
  await openPage(page);
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByLabel('Training text').setInputFiles({ name: 'words.txt', mimeType: 'text/plain', buffer: Buffer.from(wordsCorpus()) });
  await expect(page.getByTestId('corpus-summary')).toContainText('words.txt');
  await page.getByLabel('Tokenizer').selectOption('bpe');
  await page.getByLabel('Vocabulary size').fill('300');
  await expect(page.getByTestId('vocab-size')).toHaveText('300', { timeout: 90_000 });
  await tinyRecipe(page, { steps: 12, evalEvery: 4, lr: 0.01 });
  // The probe is editable: a text of our own instead of the start of the validation split.
  const probeText = 'ka lo mi ra ten sha vo ed ing th an\n'.repeat(8);
  await page.getByText('Probe text (held out)').click();
  await page.getByLabel('Probe text (held out)').fill(probeText);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toContainText('Done: 12 steps', { timeout: 180_000 });

  // The probe: held-out tokens, each tinted by the probability the model gave it; its mean −log p.
  const probe = page.getByTestId('probe-probabilities');
  await expect(probe).toBeVisible();
  await expect(probe).toHaveAttribute('data-step', '12');
  const tokens = page.getByTestId('probe-token');
  expect(await tokens.count()).toBeGreaterThan(20);
  expect((await page.getByTestId('probe-text').textContent())!.replace(/↵/g, '')).toBe(probeText);
  const loss = Number(await page.getByTestId('probe-loss').getAttribute('data-loss'));
  expect(loss).toBeGreaterThan(0);
  expect(loss).toBeLessThan(Math.log(300) + 1);
  await tokens.nth(3).hover(); // the tooltip is worded when a token is first pointed at
  await expect(tokens.nth(3)).toHaveAttribute('title', /p = .*−log p = .*Top 5: /);
  await expect(page.getByTestId('perplexity')).toContainText('as unsure as choosing among');

  // A clicked token shows the 10 most likely next tokens; at step 0 they are near the uniform 1/V.
  await tokens.nth(5).click();
  const bars = page.getByTestId('next-token-bars');
  await expect(bars).toHaveAttribute('data-step', '12');
  await expect(page.getByTestId('next-token-bar')).toHaveCount(10);
  const late = await barProbs(page);
  const slider = page.getByLabel('Training step');
  await slider.fill('0');
  await expect(bars).toHaveAttribute('data-step', '0');
  await expect(page.getByTestId('probe-attention')).toHaveAttribute('data-step', '0'); // the same slider
  const early = await barProbs(page);
  expect(early[0]!).toBeLessThan(5 / 300); // about uniform before training
  expect(late[0]!).toBeGreaterThan(early[0]!); // sharper after it
  expect(late).not.toEqual(early);

  // A click on a val point of the chart moves the slider there (step 8: the third evaluation).
  const over = page.getByTestId('loss-chart').locator('.u-over');
  const xs = (await over.getAttribute('data-eval-x'))!.split(',').map(Number);
  expect(xs).toHaveLength(4);
  const box = (await over.boundingBox())!;
  await over.click({ position: { x: xs[2]!, y: box.height / 2 } });
  await expect(page.getByTestId('training-step')).toHaveAttribute('data-step', '8');
  await expect(bars).toHaveAttribute('data-step', '8');
  await expect(page.locator('[data-testid="training-sample"][aria-current="true"]')).toContainText('step 8');

  await page.screenshot({ path: info.outputPath('probe-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 900 });
  await probe.screenshot({ path: info.outputPath('probe-390.png') });
  await page.setViewportSize({ width: 1280, height: 720 });

  // After a reload the story is still there: the curve's evaluations, the probe's scores at each.
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('words', { timeout: 90_000 });
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-evals', '4');
  await expect(probe).toHaveAttribute('data-step', '12');
  expect(Number(await page.getByTestId('probe-loss').getAttribute('data-loss'))).toBeCloseTo(loss, 5);
  await page.getByTestId('probe-token').nth(5).click();
  await slider.fill('0');
  await expect(bars).toHaveAttribute('data-step', '0');
  expect(await barProbs(page)).toEqual(early);
});

test('a history saved before the probe existed (database version 3) moves to its own store on upgrade and stays with its model', async ({ page }) => {
  const history = { steps: [{ step: 1, total: 4, loss: 3, lr: 0.001, tokensPerSec: 10, elapsedMs: 5 }], evals: [{ step: 0, trainLoss: 4, valLoss: 4.1, sample: 'old' }] };
  // A page of the same origin that does not open the database: write it as the version before.
  await page.goto('corpora/names.txt');
  await page.evaluate(
    (h) =>
      new Promise<void>((ok, no) => {
        const req = indexedDB.open('gpt-playground', 3);
        req.onupgradeneeded = () => {
          const d = req.result;
          d.createObjectStore('models', { keyPath: 'id' });
          d.createObjectStore('meta');
          d.createObjectStore('training', { keyPath: 'id' }).put({ id: 'old-run', recipe: {}, state: { step: 1, m: new Float32Array(2), v: new Float32Array(2) }, history: h });
          d.createObjectStore('corpora', { keyPath: 'id' });
          d.createObjectStore('info', { keyPath: 'id' });
        };
        req.onsuccess = () => {
          req.result.close();
          ok();
        };
        req.onerror = () => no(req.error);
      }),
    history,
  );
  await openPage(page); // the page opens the library: version 4
  const stored = await page.evaluate(
    () =>
      new Promise<unknown[]>((ok, no) => {
        const req = indexedDB.open('gpt-playground');
        req.onsuccess = () => {
          const d = req.result;
          const tx = d.transaction(['histories', 'training']);
          const a = tx.objectStore('histories').get('old-run');
          const b = tx.objectStore('training').get('old-run');
          tx.oncomplete = () => ok([d.version, a.result, b.result?.state.step]);
        };
        req.onerror = () => no(req.error);
      }),
  );
  expect(stored).toEqual([4, { id: 'old-run', history }, 1]);
});
