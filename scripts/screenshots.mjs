import { chromium } from '@playwright/test';
const [,, url = 'http://127.0.0.1:4174/', out = '/tmp/shots'] = process.argv;
const launch = () => chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'] });
const fs = await import('node:fs'); fs.mkdirSync(out, { recursive: true });
// A full-page screenshot resizes the headless viewport for a moment; until the page scrolls again,
// the next click's mousedown can shift the layout under the pointer (its mouseup then lands on
// another element and no click happens: the 390 px run's Start training did nothing). A scroll
// of one pixel there and back settles it.
const shot = async (page, path) => {
  await page.screenshot({ path, fullPage: true });
  await page.evaluate(() => { window.scrollBy(0, 1); window.scrollBy(0, -1); });
};
for (const [w, h, tag] of [[1280, 900, 'wide'], [390, 844, 'phone']]) {
  const browser = await launch(); // a browser per width: nothing of the first run's workers lingers
  const page = await browser.newPage({ viewport: { width: w, height: h } });
  await page.goto(url);
  await page.getByTestId('model-status').filter({ hasText: 'Shakespeare' }).waitFor({ timeout: 90000 });
  await shot(page, `${out}/${tag}-1-open.png`);
  await page.getByRole('tab', { name: 'Train' }).click();
  await shot(page, `${out}/${tag}-2-train-empty.png`);
  await page.getByRole('button', { name: 'Shakespeare' }).click();
  await page.getByTestId('corpus-summary').waitFor();
  await page.getByText('Advanced').click();
  for (const [l, v] of [['layers', 1], ['heads', 2], ['channels', 32], ['block size', 32], ['batch', 4], ['steps', 300], ['eval every', 10]]) await page.getByLabel(l, { exact: true }).fill(String(v));
  await shot(page, `${out}/${tag}-3-corpus.png`);
  await page.waitForTimeout(500); // the memory plan re-renders after each edit: let the layout settle
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.getByRole('button', { name: 'Stop training' }).waitFor({ timeout: 30000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=training-sample]').length >= 2, null, { timeout: 120000 }).catch(async (e) => {
    await shot(page, `${out}/${tag}-4-training-timeout.png`);
    throw e;
  });
  await shot(page, `${out}/${tag}-4-training.png`);
  await page.getByRole('button', { name: 'Stop training' }).click();
  await page.getByTestId('train-status').filter({ hasText: 'stopped' }).waitFor({ timeout: 60000 });
  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByLabel('tokens').fill('80');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByTestId('speed').waitFor({ timeout: 60000 });
  await shot(page, `${out}/${tag}-5-write.png`);
  await page.getByRole('tab', { name: 'Models' }).click();
  await page.getByTestId('library-row').nth(1).waitFor({ timeout: 30000 });
  await shot(page, `${out}/${tag}-6-models.png`);
  await browser.close();
}
