import { test, expect } from '@playwright/test';
import { openPage } from './helpers';

test("the weights choice defaults to the tuner's pick, named in its option; 16-bit writes what 32-bit writes, greedily", async ({ page }) => {
  await openPage(page);
  const weights = page.getByLabel('weights');
  // A first visit: the tuner times f32 against 16-bit decoding on this adapter (SwiftShader here)
  // in the background once the page is idle; when it is done its pick is the default and says so.
  const picked = weights.locator('option', { hasText: '(fastest here)' });
  await expect(page.getByTestId('kernel-tuning')).toContainText(/tuned for this GPU/, { timeout: 180_000 });
  await expect(picked).toHaveCount(1);
  const pick = await picked.getAttribute('value');
  expect(pick === 'f32' || pick === 'f16').toBe(true);
  await expect(weights).toHaveValue(pick!);
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
  // The choice stays the user's: the option still names the tuner's pick.
  await expect(weights).toHaveValue('f16');
  await expect(picked).toHaveCount(1);
});
