/**
 * Bad input in front of a user (issue 11): broken model directories, files that are not text
 * dropped as training text, impatient clicks, loads and deletes while the GPU is busy, a learning
 * rate that makes training diverge. Each gets a role "alert" message a user can act on, and what
 * was there before (the model in use, the saved models) keeps working.
 */
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { test, expect, type Page } from '@playwright/test';
import { generates, openPage as open, tinyRecipe as setTinyRecipe } from './helpers';

const SHIPPED = 'public/weights/shakespeare-char';
const shipped = {
  model: readFileSync(`${SHIPPED}/model.safetensors`),
  config: readFileSync(`${SHIPPED}/config.json`),
  tokenizer: readFileSync(`${SHIPPED}/tokenizer.json`),
};
const file = (name: string, buffer: Buffer | Uint8Array, mimeType = 'application/octet-stream') => ({ name, mimeType, buffer: Buffer.from(buffer) });

async function foxCorpus(page: Page) {
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByLabel('Training text').setInputFiles(file('fox.txt', Buffer.from('the quick brown fox jumps over the lazy dog.\n'.repeat(120)), 'text/plain'));
  await expect(page.getByTestId('corpus-summary')).toContainText('fox.txt');
}

/** Drops files on the page as a user drags them from the desktop (the page-wide model drop). */
async function dropOnPage(page: Page, files: { name: string; url: string }[]) {
  await page.evaluate(async (fs) => {
    const dt = new DataTransfer();
    for (const f of fs) dt.items.add(new File([await (await fetch(f.url)).arrayBuffer()], f.name));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
  }, files);
}
/** Records Content-Security-Policy violations from the start of the page (see cspViolations). */
async function watchCsp(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}
const cspViolations = (page: Page) => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

const shippedUrls = ['model.safetensors', 'config.json', 'tokenizer.json'].map((name) => ({ name, url: `weights/shakespeare-char/${name}` }));

test('broken model files get an alert naming the problem, and the model in use keeps writing', async ({ page }) => {
  // The Content-Security-Policy holds: nothing on the page breaks it, and a fetch to another host over http is refused.
  await watchCsp(page);
  await open(page);
  const alert = page.getByTestId('model-error');
  const headerLen = Number(shipped.model.readBigUInt64LE(0));
  const nan = Buffer.from(shipped.model);
  nan.writeFloatLE(NaN, 8 + headerLen + 12); // the fourth float of the first tensor
  const html = '<img src=x onerror="document.title=\'pwned\'">';
  const cases: { what: string; files: ReturnType<typeof file>[]; says: RegExp | string }[] = [
    {
      what: 'a truncated model.safetensors',
      files: [file('model.safetensors', shipped.model.subarray(0, shipped.model.length >> 1)), file('config.json', shipped.config), file('tokenizer.json', shipped.tokenizer)],
      says: /model\.safetensors is truncated: tensor .* needs bytes \d+\.\.\d+ but the file has only \d+ data bytes/,
    },
    {
      what: 'shapes that do not match config.json',
      files: [file('model.safetensors', shipped.model), file('config.json', Buffer.from(JSON.stringify({ ...JSON.parse(shipped.config.toString()), n_embd: 64 }))), file('tokenizer.json', shipped.tokenizer)],
      says: /model\.safetensors does not match config\.json: wrong shapes: wte\.weight is \[65, 128\] but the config needs \[65, 64\]/,
    },
    { what: 'no config.json', files: [file('model.safetensors', shipped.model), file('tokenizer.json', shipped.tokenizer)], says: 'The model directory has no config.json.' },
    {
      what: 'NaN weights',
      files: [file('model.safetensors', nan), file('config.json', shipped.config), file('tokenizer.json', shipped.tokenizer)],
      says: /model\.safetensors: tensor \S+ holds NaN at index 3\. A model with NaN or infinite weights cannot generate/,
    },
    {
      what: 'HTML in config.json',
      files: [file('model.safetensors', shipped.model), file('config.json', Buffer.from(JSON.stringify({ ...JSON.parse(shipped.config.toString()), model_type: html }))), file('tokenizer.json', shipped.tokenizer)],
      says: `config.json: model_type is ${JSON.stringify(html)}; only GPT-2 models ("gpt2") can be loaded.`,
    },
    {
      what: 'HTML in tokenizer.json',
      files: [file('model.safetensors', shipped.model), file('config.json', shipped.config), file('tokenizer.json', Buffer.from(JSON.stringify({ type: html, version: 1 })))],
      says: `tokenizer.json: "type" must be "char" or "gpt2", but it is ${JSON.stringify(html)}.`,
    },
  ];
  for (const c of cases) {
    await page.getByLabel('model files').setInputFiles(c.files);
    await expect(alert, c.what).toContainText(c.says, { timeout: 30_000 });
    await expect(page.getByTestId('model-status'), c.what).toContainText('Shakespeare');
    await alert.getByRole('button', { name: 'Dismiss' }).click();
  }
  // The HTML was shown as text, never run.
  expect(await page.title()).not.toBe('pwned');
  await generates(page, 10);

  // No saved model came of any of them.
  await page.getByRole('tab', { name: 'Models' }).click();
  await expect(page.getByTestId('library-row')).toHaveCount(1);

  const blocked = await page.evaluate(() => fetch('http://127.0.0.1:9/').then(() => 'fetched', (e: Error) => e.name));
  expect(blocked).toBe('TypeError');
  expect(await cspViolations(page)).toEqual(['connect-src http://127.0.0.1:9/']);
});

test('a PDF and a zip dropped as training text are refused, and the chosen text stays', async ({ page }) => {
  await open(page);
  await foxCorpus(page);
  const alert = page.getByTestId('train-alert');
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n%'), Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]), Buffer.from('\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n'), Buffer.from([0x78, 0x9c, 0xed, 0xbd, 0x07, 0x60])]);
  const zip = Buffer.from(zipSync({ 'notes.txt': new TextEncoder().encode('some text '.repeat(200)) }));
  for (const [name, buffer] of [['report.pdf', pdf], ['notes.zip', zip]] as const) {
    await page.getByLabel('Training text').setInputFiles(file(name, buffer));
    await expect(alert, name).toContainText(/not UTF-8 text|looks like a binary file, not text/);
    await expect(alert, name).toContainText('Choose a plain-text file');
    await expect(page.getByTestId('corpus-summary')).toContainText('fox.txt');
    await alert.getByRole('button', { name: 'Dismiss' }).click();
  }
});

test('Start pressed twice starts one run; loading or deleting a model while it trains is refused with BUSY, and training goes on', async ({ page }) => {
  await watchCsp(page); // training, its chart and the Models tab run under the policy too
  await open(page);
  await foxCorpus(page);
  await setTinyRecipe(page, { steps: 3000, evalEvery: 10 });
  // Two clicks in one task, before React re-renders the button away.
  await page.getByRole('button', { name: 'Start training' }).evaluate((b: HTMLButtonElement) => {
    b.click();
    b.click();
  });
  await expect(page.getByTestId('saved-step')).toBeVisible({ timeout: 120_000 });

  // A model dropped on the page while training runs: refused, the run goes on.
  await dropOnPage(page, shippedUrls);
  await expect(page.getByTestId('model-error')).toContainText('Training is using the GPU. Stop training before loading another model.');
  // Deleting the model being trained: refused.
  await page.getByRole('tab', { name: 'Models' }).click();
  const rows = page.getByTestId('library-row').filter({ hasText: 'fox' });
  await expect(rows).toHaveCount(1); // one run, one saved model
  await rows.getByRole('button', { name: 'Delete' }).click();
  await rows.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(page.getByTestId('model-error')).toContainText('This model is being trained. Stop training before deleting it.');
  await expect(rows).toHaveCount(1);

  await page.getByRole('tab', { name: 'Train' }).click();
  const stepNow = async () => Number(/step (\d+)/.exec(await page.getByTestId('train-progress').innerText())![1]);
  const before = await stepNow();
  await expect.poll(stepNow, { timeout: 60_000 }).toBeGreaterThan(before);
  await expect(page.getByTestId('train-alert')).toBeHidden(); // the second click did not start (or refuse) a second run
  await page.getByRole('button', { name: 'Stop training' }).click();
  await expect(page.getByTestId('train-status')).toContainText('stopped', { timeout: 60_000 });
  await expect(page.getByTestId('model-status')).toContainText('fox');
  await generates(page, 10);
  expect(await cspViolations(page)).toEqual([]);
});

test('loading a model while one generates stops the generation and loads; deleting the model in use leaves it writing', async ({ page }) => {
  await open(page);
  await page.getByLabel('tokens').fill('5000');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect.poll(async () => (await page.getByTestId('output').innerText()).length, { timeout: 60_000 }).toBeGreaterThan(30);
  // The zip is served to the page (quicker than passing megabytes through evaluate), then dropped.
  const zip = zipSync({ 'model.safetensors': shipped.model, 'config.json': shipped.config, 'tokenizer.json': shipped.tokenizer }, { level: 0 });
  await page.route('**/test-files/bard-copy.zip', (route) => route.fulfill({ body: Buffer.from(zip), contentType: 'application/zip' }));
  await dropOnPage(page, [{ name: 'bard copy.zip', url: 'test-files/bard-copy.zip' }]);
  await expect(page.getByTestId('model-status')).toContainText('bard copy', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Generate' })).toBeVisible();
  await expect(page.getByTestId('model-error')).toBeHidden();

  // Generate with it, and delete it from the library mid-generation: the generation and the model go on.
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect.poll(async () => (await page.getByTestId('output').innerText()).length, { timeout: 60_000 }).toBeGreaterThan(30);
  await page.getByRole('tab', { name: 'Models' }).click();
  const row = page.getByTestId('library-row').filter({ hasText: 'bard copy' });
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(row).toHaveCount(0);
  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('button', { name: 'Generate' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('model-status')).toContainText('bard copy');
  await generates(page, 10);
});

test('a learning rate that makes training diverge: training stops, the last good weights stay, the alert suggests a lower rate', async ({ page }) => {
  await open(page);
  await foxCorpus(page);
  await setTinyRecipe(page, { steps: 400, evalEvery: 50, lr: 1000 });
  await page.getByRole('button', { name: 'Start training' }).click();
  const alert = page.getByTestId('train-alert');
  await expect(alert).toContainText(/Training (had )?diverged at step \d+/, { timeout: 120_000 });
  await expect(alert).toContainText(/lower (the )?learning rate/);
  await expect(page.getByTestId('train-status')).toContainText('(diverged)');
  await expect(page.getByTestId('model-status')).toContainText('fox');
  await generates(page, 10);
});
