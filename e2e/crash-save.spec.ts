/**
 * A crash mid-save: the page closes while a save of a model of a few MB is written but not yet
 * committed (the test hook 'hold-next-save' keeps that save's IndexedDB transaction open). A save is
 * one transaction (src/workers/engine/library.ts), so after reopening the model's last complete save
 * is listed, opens and generates, and nothing half-written is.
 */
import { test, expect, type Page } from '@playwright/test';
import { generates, openPage, tinyRecipe } from './helpers';

const hook = (page: Page, kind: string) => page.evaluate((k) => (window as unknown as { __gptTestHooks: { fault(k: string): Promise<void> } }).__gptTestHooks.fault(k), kind);

test('the page closed in the middle of a save: after reopening, the last complete save is listed, opens and generates', async ({ context }) => {
  test.setTimeout(240_000);
  const page = await context.newPage();
  await openPage(page, './?test-hooks');
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByLabel('Training text').setInputFiles({ name: 'crash.txt', mimeType: 'text/plain', buffer: Buffer.from('the quick brown fox jumps over the lazy dog.\n'.repeat(120)) });
  await expect(page.getByTestId('corpus-summary')).toContainText('crash.txt');
  // 128 channels: ~0.21M parameters, so a save (weights + AdamW moments) is ~2.5 MB.
  await tinyRecipe(page, { steps: 1000, evalEvery: 5 });
  await page.getByLabel('channels', { exact: true }).fill('128');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('saved-step')).toContainText(/step 5\b/, { timeout: 150_000 });

  // The next save (step 10) writes its ~2.5 MB and stays uncommitted; the page closes inside it.
  await hook(page, 'hold-next-save');
  await expect(page.getByTestId('saved-step')).toContainText(/step 5\b/);
  await page.close();
  const closedAt = Date.now();

  const again = await context.newPage();
  await openPage(again);
  await again.getByRole('tab', { name: 'Models' }).click();
  const row = again.getByTestId('library-row').filter({ hasText: 'crash' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('step 5 of 1,000');
  await expect(row.getByTestId('damaged')).toHaveCount(0);
  const mb = Number(/· ([\d.]+) MB/.exec(await row.innerText())![1]);
  expect(mb).toBeGreaterThanOrEqual(0.8); // the weights alone (the moments are kept beside them)
  await row.getByRole('button', { name: 'Use' }).click();
  await expect(again.getByTestId('model-status')).toContainText('crash', { timeout: 60_000 });
  await generates(again, 10);

  // Had the closed page's worker lived on, its held save would have committed after 20 s: it did not.
  await again.waitForTimeout(Math.max(0, closedAt + 22_000 - Date.now()));
  const steps = await again.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, no) => Object.assign(indexedDB.open('gpt-playground'), { onsuccess(this: IDBRequest<IDBDatabase>) { ok(this.result); }, onerror: no }));
    const all = await new Promise<{ name: string; step?: number }[]>((ok) => Object.assign(db.transaction('info').objectStore('info').getAll(), { onsuccess(this: IDBRequest) { ok(this.result); } }));
    db.close();
    return all.filter((m) => m.name === 'crash').map((m) => m.step);
  });
  expect(steps).toEqual([5]);
});
