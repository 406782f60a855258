import { test, expect } from '@playwright/test';

test('the page opens and the engine worker gets a WebGPU device', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'GPT Playground' })).toBeVisible();
  await expect(page.getByTestId('gpu-status')).toContainText('WebGPU ready', { timeout: 60_000 });
});
