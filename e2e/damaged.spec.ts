import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { unzipSync, zipSync } from 'fflate';
import { generates, openPage, root } from './helpers';

/** The shipped model's three files as one .zip (what the Models tab's Download makes), to import quickly. */
function shippedZip(): Buffer {
  const dir = join(root, 'public/weights/shakespeare-char');
  const files = Object.fromEntries(['model.safetensors', 'config.json', 'tokenizer.json'].map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
  return Buffer.from(zipSync(files, { level: 0 }));
}

test('a stored record whose bytes no longer decode is listed as damaged with Delete and Download-what-is-left; the page still starts and every other model opens', async ({ page }) => {
  await openPage(page);
  await page.getByRole('tab', { name: 'Models' }).click();
  const zip = shippedZip();
  for (const name of ['good', 'bad']) {
    await page.getByLabel('Import model').setInputFiles({ name: `${name}.zip`, mimeType: 'application/zip', buffer: zip });
    await expect(page.getByTestId('model-status')).toContainText(name, { timeout: 60_000 });
  }

  // The disk goes bad under "bad" (the model in use, so the next start opens it): its weights are cut to 1000 bytes.
  await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, no) => Object.assign(indexedDB.open('gpt-playground'), { onsuccess(this: IDBRequest<IDBDatabase>) { ok(this.result); }, onerror: no }));
    const store = db.transaction('models', 'readwrite').objectStore('models');
    const all = await new Promise<{ name: string; files: Record<string, Uint8Array> }[]>((ok) => Object.assign(store.getAll(), { onsuccess(this: IDBRequest) { ok(this.result); } }));
    const bad = all.find((m) => m.name === 'bad')!;
    bad.files['model.safetensors'] = bad.files['model.safetensors']!.slice(0, 1000);
    await new Promise((ok) => Object.assign(store.put(bad), { onsuccess: ok }));
    db.close();
  });

  // The page starts anyway, with the shipped model, and says why.
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  await expect(page.getByTestId('model-error')).toContainText('“bad” is damaged');
  await expect(page.getByTestId('model-error')).toContainText('The shipped model is in use instead.');

  await page.getByRole('tab', { name: 'Models' }).click();
  const bad = page.getByTestId('library-row').filter({ hasText: 'bad' });
  await expect(bad.getByTestId('damaged')).toContainText('damaged: model.safetensors is truncated');
  await expect(bad.getByRole('button', { name: 'Use' })).toHaveCount(0);

  // What is left downloads as it is stored.
  const downloading = page.waitForEvent('download');
  await bad.getByRole('button', { name: 'Download what is left' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('bad.zip');
  const path = test.info().outputPath('bad.zip');
  await download.saveAs(path);
  const left = unzipSync(new Uint8Array(readFileSync(path)));
  expect(left['model.safetensors']!.length).toBe(1000);
  expect(new TextDecoder().decode(left['config.json'])).toContain('n_layer');

  // The other model opens and generates.
  await page.getByTestId('library-row').filter({ hasText: 'good' }).getByRole('button', { name: 'Use' }).click();
  await expect(page.getByTestId('model-status')).toContainText('good', { timeout: 60_000 });
  await generates(page, 5);

  // And the damaged one deletes.
  await page.getByRole('tab', { name: 'Models' }).click();
  await bad.getByRole('button', { name: 'Delete' }).click();
  await bad.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(bad).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('good', { timeout: 90_000 });
});
