/**
 * Faults in front of a user, caused through the test hook (the page opened with ?test-hooks gives
 * window.__gptTestHooks.fault, which asks the worker's EngineApi.debugFault): a lost GPU device
 * mid-generation and mid-training, a GPU error no scope caught, browser storage full mid-save.
 * Each shows a role "alert" message and loses nothing that was saved.
 */
import { test, expect, type Page } from '@playwright/test';
import { generates, openPage, tinyRecipe } from './helpers';

type Hooks = { fault: (kind: 'lose-device' | 'uncaptured-error' | 'storage-full' | 'storage-ok') => Promise<void> };

async function fault(page: Page, kind: Parameters<Hooks['fault']>[0]) {
  await page.evaluate((k) => (window as unknown as { __gptTestHooks: Hooks }).__gptTestHooks.fault(k), kind);
}

const openWithHooks = (page: Page) => openPage(page, './?test-hooks');

/** Trains a ~25k-parameter model on a short text, saving at every evaluation. */
async function startTinyTraining(page: Page, steps: number, evalEvery: number) {
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByLabel('Training text').setInputFiles({ name: 'fox.txt', mimeType: 'text/plain', buffer: Buffer.from('the quick brown fox jumps over the lazy dog.\n'.repeat(120)) });
  await expect(page.getByTestId('corpus-summary')).toContainText('fox.txt');
  await tinyRecipe(page, { steps, evalEvery });
  await page.getByRole('button', { name: 'Start training' }).click();
}

test('GPU device lost mid-generation: the page says so, makes a new device, and the model writes again', async ({ page }) => {
  await openWithHooks(page);
  await page.getByLabel('tokens').fill('5000');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect.poll(async () => (await page.getByTestId('output').innerText()).length, { timeout: 60_000 }).toBeGreaterThan(30);
  await fault(page, 'lose-device');
  const alert = page.getByTestId('fault-alert');
  await expect(alert).toHaveAttribute('role', 'alert');
  await expect(alert).toContainText('The GPU device was lost');
  await expect(alert).toContainText(/A new GPU device was created and “Shakespeare.*” is back/, { timeout: 90_000 });
  await expect(page.getByRole('button', { name: 'Generate' })).toBeVisible();
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare');
  await generates(page, 20);
});

test('GPU device lost mid-training: the weights of the last save come back and write, and Resume continues the run', async ({ page }) => {
  await openWithHooks(page);
  await startTinyTraining(page, 3000, 10);
  await expect(page.getByTestId('saved-step')).toContainText(/step (1|2|3)0\b/, { timeout: 120_000 });
  // Pause so no save lands between reading the step and losing the device.
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible({ timeout: 30_000 });
  const step = Number(/step (\d+)/.exec(await page.getByTestId('saved-step').innerText())![1]);
  await fault(page, 'lose-device');
  await expect(page.getByTestId('train-alert')).toContainText('GPU device was lost', { timeout: 60_000 });
  await expect(page.getByTestId('fault-alert')).toContainText(`“fox” is back from its save at step ${step}`, { timeout: 90_000 });
  await expect(page.getByTestId('fault-alert')).toContainText('Start training again to continue');
  await expect(page.getByTestId('model-status')).toContainText('fox');
  await expect(page.getByRole('button', { name: 'Start training' })).toBeVisible();
  await generates(page, 20);

  // Resume continues the run from that save on the new device.
  await page.getByRole('tab', { name: 'Models' }).click();
  await page.getByTestId('library-row').filter({ hasText: 'fox' }).getByRole('button', { name: 'Resume training' }).click();
  const stepNow = async () => Number(/step (\d+)/.exec((await page.getByTestId('train-progress').innerText().catch(() => '')) || 'step 0')![1]);
  await expect.poll(stepNow, { timeout: 90_000 }).toBeGreaterThan(step + 2);
  await page.getByRole('button', { name: 'Stop training' }).click();
  await expect(page.getByTestId('train-status')).toContainText('stopped', { timeout: 60_000 });
});

test('a GPU error that no error scope caught reaches the page with its code; the hook is off without ?test-hooks', async ({ page }) => {
  await openWithHooks(page);
  await fault(page, 'uncaptured-error');
  await expect(page.getByTestId('fault-alert')).toContainText('GPU error GPU_VALIDATION:');
  await generates(page, 10); // the device is still fine

  await page.goto('./');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  expect(await page.evaluate(() => 'undefined' === typeof (window as unknown as { __gptTestHooks?: unknown }).__gptTestHooks)).toBe(true);
});

test('browser storage full while saving: the alert says so, training goes on, and the previous save stays readable', async ({ page }) => {
  await openWithHooks(page);
  await startTinyTraining(page, 40, 10);
  await expect(page.getByTestId('saved-step')).toContainText('step 10', { timeout: 120_000 });
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible({ timeout: 30_000 });
  const step = Number(/step (\d+)/.exec(await page.getByTestId('saved-step').innerText())![1]);
  await fault(page, 'storage-full');
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('train-alert')).toContainText('Browser storage is full: saving “fox” failed, and nothing saved before was lost', { timeout: 120_000 });
  await expect(page.getByTestId('train-status')).toContainText('Done: 40 steps', { timeout: 120_000 });
  await expect(page.getByTestId('saved-step')).toContainText(`step ${step}`);

  // Importing a model while storage is still full: refused with the same words, the model in use stays.
  await page.getByLabel('model files').setInputFiles(['model.safetensors', 'config.json', 'tokenizer.json'].map((f) => `public/weights/shakespeare-char/${f}`));
  await expect(page.getByTestId('model-error')).toContainText('Browser storage is full: saving “imported model” failed, and nothing saved before was lost', { timeout: 30_000 });
  await expect(page.getByTestId('model-status')).toContainText('fox');

  // After a reload (a new worker: storage works again) the save from before the failure opens.
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('fox', { timeout: 90_000 });
  await page.getByRole('tab', { name: 'Models' }).click();
  await expect(page.getByTestId('library-row').filter({ hasText: 'fox' })).toContainText(`step ${step}`);
  await generates(page, 10);
});
