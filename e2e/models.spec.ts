import { test, expect, type Page } from '@playwright/test';
import { builtCli, root, tinyRecipe } from './helpers';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';

const corpus = 'the quick brown fox jumps over the lazy dog.\n'.repeat(120);

/** The CLI's next-token probabilities after `prompt` (softmax of `cli logits`, temperature 1), most likely first. */
function cliTopProbs(model: string, prompt: string, k: number): number[] {
  const { logits } = JSON.parse(execFileSync('node', [builtCli(), 'logits', '--model', model, '--prompt', prompt], { cwd: root, encoding: 'utf8' })) as { logits: number[] };
  const max = Math.max(...logits);
  const exp = logits.map((l) => Math.exp(l - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / sum).sort((a, b) => b - a).slice(0, k);
}

async function generate(page: Page, prompt: string, seed: number): Promise<string> {
  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByLabel('Prompt').fill(prompt);
  await page.getByLabel('tokens').fill('30');
  await page.getByLabel('seed').fill(String(seed));
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('speed')).toContainText('30 tokens', { timeout: 60_000 });
  return page.getByTestId('output').innerText();
}

test('a trained model is kept across reloads, downloads as a zip, deletes, and imports back with the same text', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByLabel('Training text').setInputFiles({ name: 'fox.txt', mimeType: 'text/plain', buffer: Buffer.from(corpus) });
  await expect(page.getByTestId('corpus-summary')).toContainText('fox.txt');
  await tinyRecipe(page, { steps: 30, evalEvery: 15 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toContainText('Done: 30 steps', { timeout: 120_000 });
  await expect(page.getByTestId('model-status')).toContainText('fox');
  const before = await generate(page, 'the ', 7);

  // Listed in the library, and reopened after a reload.
  await page.getByRole('tab', { name: 'Models' }).click();
  const row = page.getByTestId('library-row').filter({ hasText: 'fox' });
  await expect(row).toContainText('trained');
  await expect(row).toContainText('step 30');
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('fox', { timeout: 90_000 });
  expect(await generate(page, 'the ', 7)).toBe(before);

  // Download, delete (with a confirm), import the zip: same text again.
  await page.getByRole('tab', { name: 'Models' }).click();
  const downloading = page.waitForEvent('download');
  await row.getByRole('button', { name: 'Download' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('fox.zip');
  const zipPath = test.info().outputPath('fox.zip');
  await download.saveAs(zipPath);
  // In Hugging Face's formats, with a model card that names the corpus, the step and the val loss.
  const entries = unzipSync(readFileSync(zipPath));
  expect(Object.keys(entries).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  expect(JSON.parse(strFromU8(entries['tokenizer.json']!)).model.type).toBe('WordLevel');
  expect(JSON.parse(strFromU8(entries['config.json']!)).eos_token_id).toBeNull();
  const card = strFromU8(entries['README.md']!);
  for (const line of ['library_name: transformers', 'pipeline_tag: text-generation', 'training_corpus: "fox.txt"', 'training_steps: 30']) expect(card).toContain(line);
  expect(card).toMatch(/\nval_loss: \d+\.\d+\n/);

  // The CLI loads the zip and predicts what the page predicts: the candidates list's top-10 probabilities.
  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByLabel('Prompt').fill('the ');
  await page.getByLabel('tokens').fill('1');
  await page.getByLabel('temperature').fill('1');
  // The CLI computes in f32: the page too, for this comparison (16-bit weights move probabilities by ~1e-4).
  await page.getByLabel('weights').selectOption('f32');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('candidates').locator('li')).toHaveCount(10, { timeout: 60_000 });
  await expect(page.getByTestId('candidates')).toBeVisible();
  const pageProbs = await page.getByTestId('candidates').locator('li').evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.prob)));
  const cliProbs = cliTopProbs(zipPath, 'the ', 10);
  expect(pageProbs[0]!).toBeGreaterThan(pageProbs[9]!);
  pageProbs.forEach((p, k) => expect(Math.abs(p - cliProbs[k]!), `candidate ${k}: page ${p}, CLI ${cliProbs[k]}`).toBeLessThan(1e-4));
  await page.getByLabel('temperature').fill('0.8');
  await page.getByRole('tab', { name: 'Models' }).click();
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(page.getByTestId('library-row').filter({ hasText: 'fox' })).toHaveCount(0);
  await page.getByLabel('Import model').setInputFiles(zipPath);
  await expect(page.getByTestId('library-row').filter({ hasText: 'fox' })).toContainText('imported', { timeout: 30_000 });
  await expect(page.getByTestId('model-status')).toContainText('fox');
  expect(await generate(page, 'the ', 7)).toBe(before);

  // Rename sticks across a reload; the shipped model can be used again.
  await page.getByRole('tab', { name: 'Models' }).click();
  const imported = page.getByTestId('library-row').filter({ hasText: 'imported' });
  await imported.getByRole('button', { name: 'Rename' }).click();
  await imported.getByLabel('New name').fill('my fox model');
  await imported.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('model-status')).toContainText('my fox model');
  await page.getByTestId('library-row').filter({ hasText: 'shipped with the page' }).getByRole('button', { name: 'Use' }).click();
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 60_000 });
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  await page.getByRole('tab', { name: 'Models' }).click();
  await expect(page.getByTestId('library-row').filter({ hasText: 'my fox model' })).toBeVisible();
});

test('training interrupted by a reload resumes from the saved step, and the loss curve continues', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByLabel('Training text').setInputFiles({ name: 'resume.txt', mimeType: 'text/plain', buffer: Buffer.from(corpus) });
  await expect(page.getByTestId('corpus-summary')).toContainText('resume.txt');
  await tinyRecipe(page, { steps: 60, evalEvery: 10 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('saved-step')).toBeVisible({ timeout: 120_000 });
  await page.getByRole('button', { name: 'Pause' }).click(); // so the run cannot end before the reload
  // The tab goes away mid-run: what was saved at the last evaluation is all that is left.
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('Model', { timeout: 90_000 });
  // Offered on the Train tab and in the model's row.
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.getByTestId('resume-offer')).toContainText(/resume · step \d+ of 60/);
  await page.getByRole('tab', { name: 'Models' }).click();
  const row = page.getByTestId('library-row').filter({ hasText: 'resume' });
  await expect(row).toContainText(/step \d+ of 60/);
  const saved = Number(/step (\d+) of 60/.exec(await row.innerText())![1]);
  expect(saved % 10).toBe(0);

  await row.getByRole('button', { name: 'Resume training' }).click();
  // The Train tab shows the saved run: its text and recipe came back with it.
  await expect(page.getByTestId('corpus-summary')).toContainText('resume.txt', { timeout: 60_000 }); // the new worker compiles the training pipelines first
  await expect(page.getByLabel('steps', { exact: true })).toHaveValue('60');
  await expect(page.getByTestId('train-status')).toContainText('Done: 60 steps', { timeout: 120_000 });
  // The curve holds the saved steps and the new ones, one point per step; the samples before the reload are listed too.
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '60');
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-evals', '7');
  await expect(page.getByTestId('training-sample')).toHaveCount(7);
  await expect(page.getByTestId('model-status')).toContainText('resume');
  await page.getByRole('tab', { name: 'Models' }).click();
  await expect(row).toContainText('step 60');
  await expect(row.getByRole('button', { name: 'Resume training' })).toHaveCount(0);
});
