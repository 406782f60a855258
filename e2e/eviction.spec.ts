/**
 * Storage eviction: the browser refuses persistent storage (the Models tab says it may clear the
 * saved models and offers their download), and the store vanishes between two visits (the page
 * starts with the shipped model and says, once, that the saved models are gone).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { unzipSync, zipSync } from 'fflate';
import { generates, openPage, root } from './helpers';

/** The shipped model's three files as one .zip, to import quickly. */
function shippedZip(): Buffer {
  const dir = join(root, 'public/weights/shakespeare-char');
  const files = Object.fromEntries(['model.safetensors', 'config.json', 'tokenizer.json'].map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
  return Buffer.from(zipSync(files, { level: 0 }));
}

test('persistent storage refused: the Models tab says the browser may clear the saved models, and downloads them; the store deleted between visits: the shipped model opens and the page says the models are gone, once', async ({ context }) => {
  // The browser says no to persistent storage (and the test counts the asks).
  await context.addInitScript(() => {
    const w = window as unknown as { __persistAsked: number };
    w.__persistAsked = 0;
    Object.defineProperty(navigator.storage, 'persist', {
      value: () => {
        w.__persistAsked++;
        return Promise.resolve(false);
      },
    });
  });
  const page = await context.newPage();
  await openPage(page);
  await page.getByRole('tab', { name: 'Models' }).click();
  const notice = page.getByTestId('storage-notice');
  await expect(notice).toHaveCount(0); // nothing saved yet: nothing to lose
  await page.getByLabel('Import model').setInputFiles({ name: 'keepme.zip', mimeType: 'application/zip', buffer: shippedZip() });
  await expect(page.getByTestId('model-status')).toContainText('keepme', { timeout: 60_000 });
  await expect(notice).toContainText('This browser did not grant persistent storage, so it may clear these models');
  expect(await page.evaluate(() => (window as unknown as { __persistAsked: number }).__persistAsked)).toBe(1);

  const downloading = page.waitForEvent('download');
  await notice.getByRole('button', { name: 'Download the saved model' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('keepme.zip');
  const path = test.info().outputPath('keepme.zip');
  await download.saveAs(path);
  expect(Object.keys(unzipSync(new Uint8Array(readFileSync(path))))).toContain('model.safetensors');

  // The page closes; the browser clears the store; the page opens again.
  await page.close();
  const cleaner = await context.newPage();
  await cleaner.goto('./weights/shakespeare-char/config.json'); // same origin, no page (and no open database)
  await cleaner.evaluate(() => new Promise((ok, no) => Object.assign(indexedDB.deleteDatabase('gpt-playground'), { onsuccess: ok, onerror: no, onblocked: () => no(new Error('blocked')) })));
  await cleaner.close();

  const again = await context.newPage();
  await openPage(again);
  const alert = again.getByTestId('model-error');
  await expect(alert).toContainText('The model saved in this browser is gone');
  await expect(alert).toContainText('The shipped model is in use.');
  await generates(again, 5);
  await again.getByRole('tab', { name: 'Models' }).click();
  await expect(again.getByTestId('library-row')).toHaveCount(1); // the shipped model only
  await expect(again.getByTestId('storage-notice')).toHaveCount(0);

  // Told once: the next visit starts quietly.
  await again.reload();
  await expect(again.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  await generates(again, 5);
  await expect(again.getByTestId('model-error')).toHaveCount(0);
});
