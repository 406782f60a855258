/** What the e2e specs do again and again, written once: open the page, set a tiny recipe, generate, hover the heatmap. */
import { expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = fileURLToPath(new URL('..', import.meta.url));
/** The port playwright.config.ts serves this run's build on (PW_PORT): its folder is dist-e2e-<port>/. */
export const port = Number(process.env.PW_PORT ?? 4173);

let cli: string | undefined;
/**
 * The CLI (vite.node.config.ts), built once per test worker into dist-e2e-<port>/cli, for the specs
 * that use it (attention-scale, model-url: fixtures; models: the CLI's probabilities). Returns the path of cli.js.
 */
export function builtCli(): string {
  if (!cli || !existsSync(cli)) {
    const out = join(root, `dist-e2e-${port}`, 'cli');
    execFileSync('npx', ['vite', 'build', '--config', 'vite.node.config.ts', '--logLevel', 'error', '--outDir', out], { cwd: root, stdio: 'inherit' });
    cli = join(out, 'cli.js');
  }
  return cli;
}

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

/**
 * Hovers cell (query, key) of the attention heatmap (its canvas starts at cell (0, 0); the labels
 * are beside it) and checks that the tooltip names both and shows a weight in [0, 1]. Returns the
 * tooltip, the weight and the point hovered.
 */
export async function hoverCell(page: Page, query: number, key: number) {
  const map = page.getByRole('img', { name: 'Attention heatmap' });
  const box = (await map.boundingBox())!;
  const cell = Number(await map.getAttribute('data-cell'));
  const at = { x: box.x + (key + 0.5) * cell, y: box.y + (query + 0.5) * cell };
  await page.mouse.move(at.x, at.y);
  const tip = page.getByRole('tooltip');
  await expect(tip).toHaveAttribute('data-query', String(query));
  await expect(tip).toHaveAttribute('data-key', String(key));
  const weight = Number(await tip.getAttribute('data-weight'));
  expect(weight).toBeGreaterThanOrEqual(0);
  expect(weight).toBeLessThanOrEqual(1);
  return { tip, weight, at };
}
