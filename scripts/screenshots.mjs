import { chromium } from '@playwright/test';
const [,, url = 'http://127.0.0.1:4174/', out = '/tmp/shots'] = process.argv;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'] });
const fs = await import('node:fs'); fs.mkdirSync(out, { recursive: true });
for (const [w, h, tag] of [[1280, 900, 'wide'], [390, 844, 'phone']]) {
  const page = await browser.newPage({ viewport: { width: w, height: h } });
  await page.goto(url);
  await page.getByTestId('model-status').filter({ hasText: 'Shakespeare' }).waitFor({ timeout: 90000 });
  await page.screenshot({ path: `${out}/${tag}-1-open.png`, fullPage: true });
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.screenshot({ path: `${out}/${tag}-2-train-empty.png`, fullPage: true });
  await page.getByRole('button', { name: 'Shakespeare' }).click();
  await page.getByTestId('corpus-summary').waitFor();
  await page.getByText('Advanced').click();
  for (const [l, v] of [['layers', 1], ['heads', 2], ['channels', 32], ['block size', 32], ['batch', 4], ['steps', 300], ['eval every', 20]]) await page.getByLabel(l, { exact: true }).fill(String(v));
  await page.screenshot({ path: `${out}/${tag}-3-corpus.png`, fullPage: true });
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=training-sample]').length >= 3, null, { timeout: 120000 });
  await page.screenshot({ path: `${out}/${tag}-4-training.png`, fullPage: true });
  await page.getByRole('button', { name: 'Stop training' }).click();
  await page.getByTestId('train-status').filter({ hasText: 'stopped' }).waitFor({ timeout: 60000 });
  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByLabel('tokens').fill('80');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByTestId('speed').waitFor({ timeout: 60000 });
  await page.screenshot({ path: `${out}/${tag}-5-write.png`, fullPage: true });
  await page.close();
}
await browser.close();
