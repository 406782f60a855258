/**
 * Accessibility: axe-core on every tab and state (no serious or critical violation), the heatmap by
 * keyboard (a cell cursor moved by the arrow keys, its words in a live region), a visible focus ring
 * on every tab stop, and no CSS motion under prefers-reduced-motion.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { test, expect, type Page } from '@playwright/test';
import { generates, openPage, root, tinyRecipe } from './helpers';

const shots = join(root, 'test-results', 'a11y');

/** axe-core's serious and critical findings on the page as it is now, one line each (rule, help, where). */
async function audit(page: Page, state: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} element(s), e.g. ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  // Soft: one run reports every state's findings.
  expect.soft(bad, `axe on ${state}`).toEqual([]);
}

test('axe finds no serious or critical violation on any tab: Write (empty, after generating with the explorer), Train (empty, a corpus, training), Models, How it works', async ({ page }) => {
  test.setTimeout(300_000);
  await openPage(page);
  await audit(page, 'Write, before generating');

  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.getByRole('button', { name: 'Start training' })).toBeVisible();
  await audit(page, 'Train, no text');
  await page.getByRole('button', { name: 'Names', exact: true }).click();
  await expect(page.getByTestId('corpus-summary')).toContainText('names.txt', { timeout: 60_000 });
  await page.getByText('Paste text instead').click();
  await audit(page, 'Train, a corpus chosen, Advanced closed');
  await tinyRecipe(page, { steps: 2000, evalEvery: 10 });
  await audit(page, 'Train, Advanced open');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('training-sample').first()).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('probe-attention')).toBeVisible({ timeout: 120_000 });
  await audit(page, 'Train, while training');
  await page.getByRole('button', { name: 'Stop training' }).click();
  await expect(page.getByRole('button', { name: 'Start training' })).toBeVisible({ timeout: 60_000 });

  await page.getByRole('tab', { name: 'Models' }).click();
  await expect(page.getByTestId('library-row').first()).toBeVisible({ timeout: 30_000 });
  await audit(page, 'Models');

  await page.getByRole('tab', { name: 'How it works' }).click();
  await expect(page.locator('#panel-how')).not.toBeEmpty();
  await page.waitForTimeout(2000); // its numbers arrive from the worker
  await audit(page, 'How it works');

  await generates(page, 24);
  await page.getByTestId('attention-keyboard').focus();
  await audit(page, 'Write, after generating, the explorer with the keyboard cursor');
});

test('the heatmap by keyboard: Tab reaches it, arrow keys move a cell cursor, the live region says what the tooltip says', async ({ page }) => {
  await openPage(page);
  await generates(page, 24);
  const box = page.getByTestId('attention-keyboard');
  const map = page.getByRole('img', { name: 'Attention heatmap' });
  const rows = Number(await map.getAttribute('data-rows'));
  // Reached with Tab alone, from the Generate button on.
  await page.getByRole('button', { name: 'Generate' }).focus();
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await box.evaluate((el) => el === document.activeElement);
  }
  expect(reached, 'the heatmap is a Tab stop after Generate').toBe(true);
  await expect(box).toHaveCSS('outline-style', 'solid');

  const live = page.getByTestId('attention-live');
  const tip = page.getByRole('tooltip');
  /** The cursor is at (query, key): the tooltip shows that cell and the live region reads the same cell and weight. */
  const at = async (query: number, key: number) => {
    await expect(tip).toHaveAttribute('data-query', String(query));
    await expect(tip).toHaveAttribute('data-key', String(key));
    const weight = await tip.getAttribute('data-weight');
    await expect(live).toHaveText(new RegExp(`^query ${query} “.*” → key ${key} “.*”, weight ${weight!.replace('.', '\\.')}$`));
  };
  // Focus starts the cursor on the selected row's diagonal (the last row).
  await at(rows - 1, rows - 1);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await at(rows - 1, rows - 3);
  await page.keyboard.press('ArrowUp');
  await at(rows - 2, rows - 3);
  await page.keyboard.press('Home');
  await at(rows - 2, 0);
  await page.keyboard.press('ArrowRight');
  await at(rows - 2, 1);
  // A key past the diagonal does not exist (causal): Up from row 1, key 1 clamps; Right stops at the diagonal.
  for (let i = 0; i < rows; i++) await page.keyboard.press('ArrowUp');
  await at(0, 0);
  await page.keyboard.press('ArrowRight');
  await at(0, 0);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  await at(2, 2);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Enter');
  await expect(tip).toContainText('pinned');
  await at(2, 1);

  mkdirSync(shots, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await box.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, `heatmap-keyboard-${width}.png`) });
  }
});

test('every Tab stop shows a focus ring, and the first is not a hidden file input', async ({ page }) => {
  await openPage(page);
  await generates(page, 10);
  await page.locator('body').focus();
  const seen: string[] = [];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return undefined;
      // A visually hidden input (sr-only file pickers) shows its ring on its label.
      const rect = el.getBoundingClientRect();
      const shown = rect.width <= 1 && rect.height <= 1 ? (el.closest('label') ?? el) : el;
      const style = getComputedStyle(shown);
      const name = `${el.tagName.toLowerCase()}${el.getAttribute('type') ? `[type=${el.getAttribute('type')}]` : ''} “${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? ''}”`;
      return { name, hidden: shown === el ? rect.width <= 1 && rect.height <= 1 : false, outline: `${style.outlineStyle} ${style.outlineWidth}`, file: el.getAttribute('type') === 'file' };
    });
    if (!stop) break;
    if (seen.length === 0) expect(stop.file, `the first Tab stop (${stop.name}) is a file input`).toBe(false);
    expect(stop.hidden, `${stop.name} is invisible`).toBe(false);
    expect(stop.outline, `${stop.name} has no focus ring`).toBe('solid 2px');
    seen.push(stop.name);
  }
  expect(seen.length).toBeGreaterThan(10);
});

test.describe('prefers-reduced-motion', () => {
  test.use({ reducedMotion: 'reduce' });

  test('no CSS transition or animation runs when the system asks for reduced motion', async ({ page }) => {
    await openPage(page);
    await page.getByRole('tab', { name: 'Train' }).click();
    const zone = page.getByTestId('drop-zone');
    const motion = () => zone.evaluate((el) => ({ transition: getComputedStyle(el).transitionProperty, animation: getComputedStyle(el).animationName }));
    expect(await page.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches)).toBe(true);
    expect(await motion()).toEqual({ transition: 'none', animation: 'none' });
    // The same element moves when motion is welcome (the check above can fail).
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    expect((await motion()).transition).not.toBe('none');
  });
});
