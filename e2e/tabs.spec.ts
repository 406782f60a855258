import { test, expect } from '@playwright/test';
import { openPage, tinyRecipe } from './helpers';

const corpus = 'the quick brown fox jumps over the lazy dog.\n'.repeat(120);
const REFUSED = /This model is being trained in another tab/;

test('two tabs: a model saved in one is listed in the other without a reload; resuming or deleting it there is refused while it trains, and allowed once its tab closes', async ({ context }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await openPage(a);
  await openPage(b);
  await b.getByRole('tab', { name: 'Models' }).click();
  const row = b.getByTestId('library-row').filter({ hasText: 'twotabs' });
  await expect(row).toHaveCount(0);

  // Tab A trains a run long enough to still be training while B acts.
  await a.getByRole('tab', { name: 'Train' }).click();
  await a.getByLabel('Training text').setInputFiles({ name: 'twotabs.txt', mimeType: 'text/plain', buffer: Buffer.from(corpus) });
  await expect(a.getByTestId('corpus-summary')).toContainText('twotabs.txt');
  await tinyRecipe(a, { steps: 5000, evalEvery: 10 });
  await a.getByRole('button', { name: 'Start training' }).click();
  await expect(a.getByTestId('saved-step')).toBeVisible({ timeout: 120_000 });

  // B lists it (told by A's library on the BroadcastChannel), with no reload.
  await expect(row).toContainText('trained', { timeout: 30_000 });
  await expect(row).toContainText(/step \d+ of 5000/);

  // Deleting it in B is refused in words, and it stays.
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(b.getByText(REFUSED)).toBeVisible({ timeout: 30_000 });
  await expect(row).toHaveCount(1);

  // Resuming it in B is refused too (on the Train tab, where Resume leads); A goes on training.
  await row.getByRole('button', { name: 'Resume training' }).click();
  await expect(b.getByText(REFUSED).first()).toBeVisible({ timeout: 30_000 });
  await expect(b.getByRole('button', { name: 'Start training' })).toBeVisible();
  await expect(a.getByRole('button', { name: 'Stop training' })).toBeVisible();

  // A's tab closes mid-run: the browser releases the lock, and B may delete the model (A's last save).
  await a.close();
  await b.getByRole('tab', { name: 'Models' }).click();
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(row).toHaveCount(0, { timeout: 30_000 });
});
