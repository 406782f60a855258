import { test, expect, type Page } from '@playwright/test';
import { generates, openPage, tinyRecipe } from './helpers';

/**
 * About 1.5 MB of text: made-up words (seeded), a few Chinese and emoji, so that learning its
 * vocabulary takes long enough to watch (and to cancel) even in a fast browser.
 */
function wordsCorpus(): string {
  let seed = 20;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const syllables = ['ka', 'lo', 'mi', 'ra', 'ten', 'sha', 'vo', 'qu', 'ed', 'ing', 'th', 'an'];
  const words = Array.from({ length: 1500 }, () => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => syllables[Math.floor(rand() * syllables.length)]).join(''));
  const extra = ['猫坐在垫子上。', '🍵', 'tea.', 'the'];
  let s = '';
  while (s.length < 1_500_000) {
    const line: string[] = [];
    for (let i = 0; i < 12; i++) line.push(rand() < 0.05 ? extra[Math.floor(rand() * extra.length)]! : words[Math.floor(rand() ** 2 * words.length)]!);
    s += `${line.join(' ')}\n`;
  }
  return s;
}

async function chooseLearned(page: Page) {
  await page.getByLabel('Tokenizer').selectOption('bpe');
  await expect(page.getByTestId('learn-progress')).toBeVisible();
}

test('learn a vocabulary from a dropped text: progress, Cancel, chips and compression, a size out of range, then train and write with it', async ({ page }) => {
  await openPage(page);
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByLabel('Training text').setInputFiles({ name: 'words.txt', mimeType: 'text/plain', buffer: Buffer.from(wordsCorpus()) });
  await expect(page.getByTestId('corpus-summary')).toContainText('words.txt');

  // Cancel: the text stays split into characters, and the choice says so.
  await chooseLearned(page);
  await expect(page.getByRole('button', { name: 'Start training' })).toBeDisabled();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('learn-progress')).toBeHidden();
  await expect(page.getByLabel('Tokenizer')).toHaveValue('char');
  await expect(page.getByTestId('learned-tokens')).toHaveCount(0);
  await expect(page.getByTestId('train-alert')).toHaveCount(0);

  // Learned: progress, then the text as chips and characters per token beside the other two.
  await chooseLearned(page);
  await expect(page.getByTestId('learned-tokens')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('vocab-size')).toHaveText('1,024');
  // A size out of range is said at once and Start is disabled; nothing is learned.
  const size = page.getByLabel('Vocabulary size');
  await size.fill('100');
  await expect(page.getByTestId('plan-problem')).toContainText('The vocabulary size must be a whole number from 256 to 16,384, but it is 100.');
  await expect(page.getByRole('button', { name: 'Start training' })).toBeDisabled();
  await size.fill('300');
  await expect(page.getByTestId('plan-problem')).toHaveCount(0);
  await expect(page.getByTestId('vocab-size')).toHaveText('300', { timeout: 90_000 });
  const chips = page.getByTestId('token-chip');
  expect(await chips.count()).toBeGreaterThan(20);
  // The chips spell the start of the text, whole words merged into tokens.
  const firstChips = (await chips.allTextContents()).slice(0, 10).join('');
  expect(firstChips.replace(/·/g, ' ').length).toBeGreaterThan(10);
  const learned = Number(await page.getByTestId('compression-learned').locator('dd').textContent());
  const gpt2 = Number(await page.getByTestId('compression-gpt2').locator('dd').textContent());
  expect(await page.getByTestId('compression-char').locator('dd').textContent()).toBe('1.00');
  expect(learned).toBeGreaterThan(1.5);
  expect(gpt2).toBeGreaterThan(1);

  // A tiny model on the learned tokens trains a few steps and writes.
  await tinyRecipe(page, { steps: 6, evalEvery: 3 });
  await expect(page.getByTestId('memory-plan')).toContainText('parameters');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toContainText('Done: 6 steps', { timeout: 120_000 });
  await expect(page.getByTestId('model-status')).toContainText('words');
  await expect(page.getByTestId('model-status')).toContainText('vocabulary 300 (learned BPE)');
  await generates(page, 8);
  await expect(page.getByTestId('token-text')).not.toBeEmpty();
});
