/**
 * Offline and installable (vite.config.ts: vite-plugin-pwa, Workbox): after one visit the page is
 * served by its service worker, which precached the app, the shipped model and the bundled corpora;
 * with the network off a reload opens, writes and reads a corpus. A new deployment waits until the
 * user presses Reload. All of it under the sub path the config serves the build on (/gpt-playground/).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { openPage, port, root } from './helpers';

const served = join(root, `dist-e2e-${port}`, 'gpt-playground');
const shots = join(root, 'test-results', 'offline');

/** First visit: the worker installs (precaching everything) and activates; a reload is then controlled by it. */
async function visitUntilControlled(page: Page): Promise<void> {
  await openPage(page);
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  expect(new URL(scope).pathname).toBe('/gpt-playground/');
  const res = await page.reload();
  expect(res?.fromServiceWorker()).toBe(true);
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.state)).toBe('activated');
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
}

test('installable: the manifest names the app, its icons load, and start_url and scope are the sub path', async ({ page }) => {
  await page.goto('./');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifestUrl = new URL(href!, page.url());
  const manifest = await (await page.request.get(manifestUrl.href)).json();
  expect(manifest.name).toBe('GPT Playground — WebGPU');
  expect(manifest.display).toBe('standalone');
  expect(new URL(manifest.start_url, manifestUrl).pathname).toBe('/gpt-playground/');
  expect(new URL(manifest.scope, manifestUrl).pathname).toBe('/gpt-playground/');
  const sizes = new Set<string>();
  for (const icon of manifest.icons as { src: string; sizes: string; type: string }[]) {
    const res = await page.request.get(new URL(icon.src, manifestUrl).href);
    expect(res.status(), icon.src).toBe(200);
    expect(res.headers()['content-type']).toBe(icon.type);
    sizes.add(icon.sizes);
  }
  expect(sizes).toContain('192x192');
  expect(sizes).toContain('512x512');
});

test('after one visit the page opens, writes and reads a bundled corpus with the network off', async ({ page, context }) => {
  await visitUntilControlled(page);
  await context.setOffline(true);
  try {
    // The network is really off: what the service worker did not precache cannot be fetched.
    expect(await page.evaluate(() => fetch('./not-precached.txt').then(() => 'fetched', () => 'failed'))).toBe('failed');
    const res = await page.reload();
    expect(res?.fromServiceWorker()).toBe(true);
    await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
    await page.getByLabel('tokens').fill('30');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect(page.getByTestId('speed')).toContainText('30 tokens', { timeout: 90_000 });
    const text = await page.getByTestId('output').innerText();
    expect(text.startsWith('ROMEO:')).toBe(true);
    expect(text.length).toBeGreaterThan('ROMEO:\n'.length + 10);
    // A bundled corpus, fetched by the engine worker, comes from the precache too.
    await page.getByRole('tab', { name: 'Train' }).click();
    await page.getByRole('button', { name: 'Names', exact: true }).click();
    await expect(page.getByTestId('corpus-summary')).toContainText('names.txt', { timeout: 60_000 });
  } finally {
    await context.setOffline(false);
  }
});

test('a new deployment is announced, waits while the user says "Not now", and takes over on Reload', async ({ page }) => {
  await visitUntilControlled(page);
  const swPath = join(served, 'sw.js');
  const original = readFileSync(swPath, 'utf8');
  // A new deployment: the same files but index.html changed, so the precache manifest has a new revision.
  const revision = /url:"index\.html",revision:"([0-9a-f]+)"/.exec(original);
  expect(revision, 'sw.js lists index.html with a revision').not.toBeNull();
  const [entry, hash] = [revision![0], revision![1]!];
  const before = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.active!.scriptURL);
  try {
    writeFileSync(swPath, original.replace(entry, `url:"index.html",revision:"${'0'.repeat(hash.length)}"`));
    // What the page's hourly check (or the next navigation) does.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    const prompt = page.getByTestId('update-prompt');
    await expect(prompt).toContainText('A new version is ready', { timeout: 60_000 });
    await expect(prompt.getByRole('button', { name: 'Reload' })).toBeVisible();
    mkdirSync(shots, { recursive: true });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.screenshot({ path: join(shots, `update-prompt-${width}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // "Not now": the prompt goes, the old version keeps running, the new one waits.
    await prompt.getByRole('button', { name: 'Not now' }).click();
    await expect(prompt).toHaveCount(0);
    expect(await page.evaluate(async () => Boolean((await navigator.serviceWorker.getRegistration())!.waiting))).toBe(true);

    // The next visit asks again; Reload hands over to the new worker and reloads the page.
    await page.reload();
    await expect(prompt).toContainText('A new version is ready', { timeout: 60_000 });
    await page.evaluate(() => ((window as unknown as { beforeUpdate: boolean }).beforeUpdate = true));
    await prompt.getByRole('button', { name: 'Reload' }).click();
    await page.waitForFunction(() => !(window as unknown as { beforeUpdate?: boolean }).beforeUpdate, undefined, { timeout: 60_000 });
    await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
    const after = await page.evaluate(async () => {
      const r = (await navigator.serviceWorker.getRegistration())!;
      return { waiting: Boolean(r.waiting), url: r.active!.scriptURL, controlled: navigator.serviceWorker.controller?.state };
    });
    expect(after).toEqual({ waiting: false, url: before, controlled: 'activated' });
    await expect(prompt).toHaveCount(0);
  } finally {
    writeFileSync(swPath, original);
  }
});
