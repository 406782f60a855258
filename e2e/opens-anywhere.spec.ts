import { mkdirSync } from 'node:fs';
import { chromium, test, expect, type Page } from '@playwright/test';
import config from '../playwright.config';

/** Settings of a shared link, and the same settings as a person would type them. */
const SHARED = { prompt: 'JULIET:\nO ', t: '0.9', k: '5', p: '0.95', n: '30', seed: '42', layer: '1', head: '2' };
const SHARED_HASH = `#prompt=${encodeURIComponent(SHARED.prompt)}&t=${SHARED.t}&k=${SHARED.k}&p=${SHARED.p}&n=${SHARED.n}&seed=${SHARED.seed}&layer=${SHARED.layer}&head=${SHARED.head}`;

async function generated(page: Page, tokens: string): Promise<string> {
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('speed')).toContainText(`${tokens} tokens`, { timeout: 90_000 });
  return page.getByTestId('output').innerText();
}

test.describe('a browser without WebGPU', () => {
  test('says why and how to get WebGPU, writes with the shipped model on the CPU, and does not offer training', async ({ baseURL }) => {
    // Chromium started with WebGPU switched off: the config's flags minus the WebGPU ones, plus --disable-webgpu.
    // (Its own browser: launch options cannot change per test inside one file.)
    const launch = config.use!.launchOptions!;
    const args = (launch.args ?? []).filter((a) => a !== '--enable-unsafe-webgpu' && !a.startsWith('--use-webgpu-adapter'));
    const browser = await chromium.launch({ ...launch, args: [...args, '--disable-webgpu'] });
    const page = await (await browser.newContext({ baseURL })).newPage();
    try {
      await checkNoWebGpuPage(page);
    } finally {
      await browser.close();
    }
  });
});

/** The no-WebGPU page: the guidance, a model on the CPU that writes, no training; screenshots at two widths. */
async function checkNoWebGpuPage(page: Page) {
  await page.goto('./');
  await expect(page.getByTestId('gpu-status')).toHaveText('Running on the CPU: WebGPU is unavailable', { timeout: 60_000 });
  const panel = page.getByTestId('no-webgpu');
  // Chromium with --disable-webgpu keeps navigator.gpu but gives no adapter (as Chrome on Linux does without its flag).
  await expect(panel).toContainText('This browser has WebGPU, but it found no GPU it will use');
  await expect(panel).toContainText('requestAdapter() returned null');
  await expect(panel).toContainText('Chrome, Edge');
  await expect(panel).toContainText('chrome://flags/#enable-unsafe-webgpu');
  await expect(panel).toContainText('Safari');
  await expect(panel).toContainText('dom.webgpu.enabled');
  // Nothing waits forever: the model loads (on the CPU).
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 60_000 });
  await expect(page.getByTestId('model-status')).toContainText('on the CPU');

  const dir = 'test-results/opens-anywhere';
  mkdirSync(dir, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${dir}/no-webgpu-1280.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${dir}/no-webgpu-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.getByLabel('tokens').fill('60');
  const first = await generated(page, '60');
  expect(first.startsWith('ROMEO:')).toBe(true);
  expect(first.length).toBeGreaterThan('ROMEO:\n'.length + 30);
  // The attention map is captured on the CPU too.
  expect(Number(await page.getByTestId('attention-map').getAttribute('data-rows'))).toBeGreaterThan(7);
  expect(await generated(page, '60')).toBe(first); // same seed, same text
  console.log(`CPU path in headless Chromium: ${await page.getByTestId('speed').innerText()}`);

  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.getByTestId('train-alert')).toContainText('Training needs WebGPU');
}

test('a link with state in its hash opens with that prompt, seed and settings, and generates what the same settings typed by hand generate', async ({ page }) => {
  await page.goto(`./${SHARED_HASH}`);
  await expect(page.getByLabel('Prompt')).toHaveValue(SHARED.prompt);
  await expect(page.getByLabel('temperature')).toHaveValue(SHARED.t);
  await expect(page.getByLabel('top-k')).toHaveValue(SHARED.k);
  await expect(page.getByLabel('top-p')).toHaveValue(SHARED.p);
  await expect(page.getByLabel('tokens')).toHaveValue(SHARED.n);
  await expect(page.getByLabel('seed')).toHaveValue(SHARED.seed);
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  const fromLink = await generated(page, SHARED.n);
  expect(fromLink.startsWith(SHARED.prompt)).toBe(true);
  expect(await generated(page, SHARED.n)).toBe(fromLink);
  await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', SHARED.layer);
  await expect(page.getByTestId('attention-map')).toHaveAttribute('data-head', SHARED.head);

  // The same settings typed by hand on a page opened without a hash; the URL follows the edits.
  await page.goto('about:blank');
  await page.goto('./');
  await expect(page.getByLabel('Prompt')).toHaveValue('ROMEO:\n');
  await page.getByLabel('Prompt').fill(SHARED.prompt);
  await page.getByLabel('temperature').fill(SHARED.t);
  await page.getByLabel('top-k').fill(SHARED.k);
  await page.getByLabel('top-p').fill(SHARED.p);
  await page.getByLabel('tokens').fill(SHARED.n);
  await page.getByLabel('seed').fill(SHARED.seed);
  await expect.poll(() => page.evaluate(() => location.hash)).toContain(`seed=${SHARED.seed}`);
  const hash = await page.evaluate(() => location.hash);
  expect(hash).toContain(`prompt=${encodeURIComponent(SHARED.prompt)}`);
  expect(hash).toContain(`t=${SHARED.t}&k=${SHARED.k}&p=${SHARED.p}&n=${SHARED.n}`);
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  expect(await generated(page, SHARED.n)).toBe(fromLink);
});

test('the built page served under a sub path loads the shipped model from there; type before it is ready, Ctrl+Enter generates, Esc stops', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  // A slow connection (2 MB/s), so the download's progress can be seen.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 2e6, uploadThroughput: -1 });
  await page.goto('./');
  expect(new URL(page.url()).pathname).toBe('/gpt-playground/');
  // The prompt takes input at once, before the engine and the model are ready.
  await page.getByLabel('Prompt').fill('KING:\n');
  // The model's bytes as they arrive: "1.2 / 3.3 MB".
  await expect(page.getByTestId('load-progress')).toContainText(/\d+\.\d \/ 3\.3 MB/, { timeout: 60_000 });
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const weights = requests.filter((u) => u.includes('/weights/'));
  expect(weights.length).toBeGreaterThan(0);
  for (const u of weights) expect(new URL(u).pathname.startsWith('/gpt-playground/weights/shakespeare-char/')).toBe(true);
  expect(requests.some((u) => /\/gpt-playground\/assets\/engine\.worker-[\w-]+\.js$/.test(u))).toBe(true);

  await page.getByLabel('tokens').fill('20');
  await page.getByLabel('Prompt').press('Control+Enter');
  await expect(page.getByTestId('speed')).toContainText('20 tokens', { timeout: 90_000 });
  expect((await page.getByTestId('output').innerText()).startsWith('KING:')).toBe(true);

  await page.getByLabel('tokens').fill('5000');
  await page.getByLabel('Prompt').press('Control+Enter');
  await expect.poll(async () => (await page.getByTestId('output').innerText()).length, { timeout: 60_000 }).toBeGreaterThan(20);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Generate' })).toBeVisible({ timeout: 30_000 });
  expect((await page.getByTestId('output').innerText()).length).toBeLessThan(4000);
});
