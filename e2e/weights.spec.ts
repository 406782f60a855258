import { test, expect } from '@playwright/test';
import { openPage } from './helpers';

test('16-bit weights (the default) write what 32-bit ones write, greedily', async ({ page }) => {
  await openPage(page);
  const weights = page.getByLabel('weights');
  await expect(weights).toHaveValue('f16');
  await page.getByLabel('temperature').fill('0');
  await page.getByLabel('tokens').fill('60');
  const run = async (bits: '32' | '16') => {
    await weights.selectOption(bits === '32' ? 'f32' : 'f16');
    await page.getByRole('button', { name: 'Generate' }).click();
    // The speed line names the weights the engine's decoder read, not only the choice.
    await expect(page.getByTestId('speed')).toContainText(`60 tokens`, { timeout: 90_000 });
    await expect(page.getByTestId('speed')).toContainText(`${bits}-bit weights`);
    return page.getByTestId('output').innerText();
  };
  const f32 = await run('32');
  const f16 = await run('16');
  // Greedy decoding: the logits differ by f16 rounding only, so the argmax agrees at >= 95% of the
  // positions (src/model/f16.test.ts measures 256/256 on this model); compared character by character.
  expect(f16.length).toBe(f32.length);
  let same = 0;
  for (let i = 0; i < f32.length; i++) if (f16[i] === f32[i]) same++;
  expect(same / f32.length).toBeGreaterThanOrEqual(0.95);
});
