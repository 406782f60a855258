import { test, expect } from '@playwright/test';
import { generates, openPage, tinyRecipe } from './helpers';

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
  await expect(row).toContainText(/step \d+ of 5,000/);

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

test('two tabs train two different models at once: each saves every evaluation, and both records open and generate', async ({ context }) => {
  test.setTimeout(240_000);
  // Every step the page says it saved at, in order (a MutationObserver on the Train tab's "Saved … at step N").
  await context.addInitScript(() => {
    const w = window as unknown as { __savedSteps: number[] };
    w.__savedSteps = [];
    new MutationObserver(() => {
      const m = /step (\d+)/.exec(document.querySelector('[data-testid="saved-step"]')?.textContent ?? '');
      if (m && Number(m[1]) !== w.__savedSteps.at(-1)) w.__savedSteps.push(Number(m[1]));
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  const runs = [
    { page: await context.newPage(), name: 'alpha', text: 'the quick brown fox jumps over the lazy dog.\n' },
    { page: await context.newPage(), name: 'beta', text: 'pack my box with five dozen liquor jugs!\n' },
  ];
  for (const { page, name, text } of runs) {
    await openPage(page);
    await page.getByRole('tab', { name: 'Train' }).click();
    await page.getByLabel('Training text').setInputFiles({ name: `${name}.txt`, mimeType: 'text/plain', buffer: Buffer.from(text.repeat(120)) });
    await expect(page.getByTestId('corpus-summary')).toContainText(`${name}.txt`);
    await tinyRecipe(page, { steps: 30, evalEvery: 10 });
  }
  // Both start together and train side by side, each in its own worker on its own device, into one IndexedDB.
  await Promise.all(runs.map(({ page }) => page.getByRole('button', { name: 'Start training' }).click()));
  for (const { page } of runs) await expect(page.getByTestId('train-status')).toContainText('Done: 30 steps', { timeout: 200_000 });

  const b = runs[1]!.page;
  await b.getByRole('tab', { name: 'Models' }).click();
  for (const { page, name } of runs) {
    expect(await page.evaluate(() => (window as unknown as { __savedSteps: number[] }).__savedSteps)).toEqual([10, 20, 30]);
    await expect(page.getByTestId('train-alert')).toHaveCount(0);
    const row = b.getByTestId('library-row').filter({ hasText: name });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('step 30');
    await expect(row.getByTestId('damaged')).toHaveCount(0);
  }
  // Tab B opens A's model from the shared library, and it writes.
  await b.getByTestId('library-row').filter({ hasText: 'alpha' }).getByRole('button', { name: 'Use' }).click();
  await expect(b.getByTestId('model-status')).toContainText('alpha', { timeout: 60_000 });
  await generates(b, 10);
  await generates(runs[0]!.page, 10); // and A, where alpha is in use since its run ended, writes too
});
