/** What the e2e specs do again and again, written once: open the page, set a tiny recipe, generate. */
import { expect, type Page } from '@playwright/test';

/** Opens the page (optionally with a query such as '?test-hooks') and waits for the shipped model. */
export async function openPage(page: Page, path = './'): Promise<void> {
  await page.goto(path);
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
}

/**
 * A recipe small enough for SwiftShader on a 2-core machine (~25k parameters): opens Advanced and
 * sets 1 layer, 2 heads, 32 channels, batch 4, warmup 5, plus the run's length.
 */
export async function tinyRecipe(page: Page, r: { steps: number; evalEvery: number; block?: number; lr?: number }): Promise<void> {
  await page.getByText('Advanced').click();
  const fields: [string, number][] = [
    ['layers', 1],
    ['heads', 2],
    ['channels', 32],
    ['block size', r.block ?? 32],
    ['batch', 4],
    ['steps', r.steps],
    ['eval every', r.evalEvery],
    ['warmup', 5],
  ];
  if (r.lr !== undefined) fields.push(['learning rate', r.lr]);
  for (const [label, v] of fields) await page.getByLabel(label, { exact: true }).fill(String(v));
}

/** Generates `tokens` tokens from the Write tab with the settings as they are, and waits for the run to end. */
export async function generates(page: Page, tokens: number): Promise<void> {
  await page.getByRole('tab', { name: 'Write' }).click();
  await page.getByLabel('tokens').fill(String(tokens));
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('speed')).toContainText(`${tokens} tokens`, { timeout: 90_000 });
}
