/** English and 中文: the header's switch changes the page at once, is remembered, and a zh-CN browser opens in Chinese. */
import { expect, test } from '@playwright/test';
import { openPage } from './helpers';

test('switching to 中文 re-words the Write and How it works tabs at once, generates, and is remembered over a reload', async ({ page }) => {
  await openPage(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByTestId('language').selectOption('zh');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { name: 'GPT 游乐场' })).toBeVisible();
  for (const name of ['写作', '训练', '模型', '原理']) await expect(page.getByRole('tab', { name })).toBeVisible();
  await expect(page.getByRole('heading', { name: '注意力' })).toBeVisible();
  await page.getByLabel('词元数').fill('20');
  await page.getByRole('button', { name: '生成', exact: true }).click();
  await expect(page.getByTestId('speed')).toContainText('20 个词元', { timeout: 90_000 });
  await page.getByRole('tab', { name: '原理' }).click();
  await expect(page.getByRole('heading', { name: '跟随一个词元走过整个模型' })).toBeVisible();
  await expect(page.getByRole('heading', { name: '1 · 词元' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByLabel('块', { exact: true })).toBeVisible({ timeout: 60_000 });
  await page.reload();
  await expect(page.getByRole('heading', { name: 'GPT 游乐场' })).toBeVisible();
  await expect(page.getByRole('tab', { name: '写作' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
});

test.describe('a browser whose language is zh-CN', () => {
  test.use({ locale: 'zh-CN' });
  test('opens in Chinese', async ({ page }) => {
    await page.goto('./');
    await expect(page.getByRole('heading', { name: 'GPT 游乐场' })).toBeVisible();
    await expect(page.getByRole('tab', { name: '写作' })).toBeVisible();
    await expect(page.getByTestId('language')).toHaveValue('zh');
  });
});
