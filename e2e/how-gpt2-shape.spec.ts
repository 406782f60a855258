/**
 * "How it works" with GPT-2 small's shape: 12 blocks, 12 heads, 768 channels (3072 MLP units) and
 * GPT-2's BPE vocabulary of 50257 tokens, the sizes the view's main-thread work grows with (strips
 * of 768 values, the 3072-unit histogram, 12-block residual line, softmax and top-k / top-p over
 * 50257 logits at each Temperature). Open the view, change block, head, position and temperature:
 * no main-thread task over 50 ms.
 *
 * The model: the CLI writes a tiny model with the GPT-2 tokenizer in Hugging Face's layout (its
 * config and tokenizer files), then the test widens it to GPT-2 small's dimensions with seeded
 * random 16-bit weights (std 0.02, LayerNorm gains 1, biases 0; 248 MB): training a 124M model,
 * even one step, takes minutes on a software adapter, and the view's cost does not depend on what
 * the weights learned. Context 64 keeps SwiftShader's traces to seconds.
 */
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { builtCli, openPage, port, root } from './helpers';

const served = join(root, `dist-e2e-${port}`, 'gpt-playground', 'fixtures', 'gpt2-small-shape');
const work = join(root, `dist-e2e-${port}`, 'how-gpt2-shape');
const L = 12, NH = 12, C = 768, T = 64, V = 50257;

/** GPT-2's tensors in Hugging Face's order and shapes (Conv1D: weights (in, out)). */
function tensors(): { name: string; shape: number[]; fill: 'normal' | 'one' | 'zero' }[] {
  const out: { name: string; shape: number[]; fill: 'normal' | 'one' | 'zero' }[] = [
    { name: 'wte.weight', shape: [V, C], fill: 'normal' },
    { name: 'wpe.weight', shape: [T, C], fill: 'normal' },
  ];
  for (let l = 0; l < L; l++) {
    const h = `h.${l}.`;
    out.push(
      { name: h + 'ln_1.weight', shape: [C], fill: 'one' }, { name: h + 'ln_1.bias', shape: [C], fill: 'zero' },
      { name: h + 'attn.c_attn.weight', shape: [C, 3 * C], fill: 'normal' }, { name: h + 'attn.c_attn.bias', shape: [3 * C], fill: 'zero' },
      { name: h + 'attn.c_proj.weight', shape: [C, C], fill: 'normal' }, { name: h + 'attn.c_proj.bias', shape: [C], fill: 'zero' },
      { name: h + 'ln_2.weight', shape: [C], fill: 'one' }, { name: h + 'ln_2.bias', shape: [C], fill: 'zero' },
      { name: h + 'mlp.c_fc.weight', shape: [C, 4 * C], fill: 'normal' }, { name: h + 'mlp.c_fc.bias', shape: [4 * C], fill: 'zero' },
      { name: h + 'mlp.c_proj.weight', shape: [4 * C, C], fill: 'normal' }, { name: h + 'mlp.c_proj.bias', shape: [C], fill: 'zero' },
    );
  }
  out.push({ name: 'ln_f.weight', shape: [C], fill: 'one' }, { name: 'ln_f.bias', shape: [C], fill: 'zero' });
  return out;
}

/** A safetensors file of F16 tensors: seeded normals of std 0.02 (a table of 4096 halves, picked by an LCG), ones, zeros. */
function writeWeights(path: string): void {
  const list = tensors();
  const header: Record<string, unknown> = {};
  let at = 0;
  for (const t of list) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 2;
    header[`transformer.${t.name}`] = { dtype: 'F16', shape: t.shape, data_offsets: [at, at + bytes] };
    at += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const half = (x: number) => {
    // float -> half for |x| well inside the normal range (the table's values), round to nearest.
    const f = new Float32Array([x]);
    const b = new Uint32Array(f.buffer)[0]!;
    const sign = (b >>> 16) & 0x8000;
    const exp = ((b >>> 23) & 0xff) - 112;
    return exp <= 0 ? sign : sign | (exp << 10) | Math.round((b & 0x7fffff) / 0x2000);
  };
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const table = Uint16Array.from({ length: 4096 }, () => half(0.02 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())));
  const fd = openSync(path, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeSync(fd, len);
  writeSync(fd, Buffer.from(json));
  const chunk = new Uint16Array(1 << 20);
  for (const t of list) {
    let n = t.shape.reduce((a, b) => a * b, 1);
    while (n > 0) {
      const k = Math.min(n, chunk.length);
      for (let i = 0; i < k; i++) chunk[i] = t.fill === 'normal' ? table[(rand() * 4096) | 0]! : t.fill === 'one' ? 0x3c00 : 0;
      writeSync(fd, new Uint8Array(chunk.buffer, 0, k * 2));
      n -= k;
    }
  }
  closeSync(fd);
}

test.beforeAll(() => {
  test.setTimeout(300_000);
  const run = (...args: string[]) => execFileSync('node', ['--no-use-osr', builtCli(), ...args], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(join(root, `dist-e2e-${port}`, 'how-gpt2-corpus.txt'), readFileSync(join(root, 'public/corpora/tinyshakespeare.txt'), 'utf8').slice(0, 20_000));
  run('train', '--data', join(root, `dist-e2e-${port}`, 'how-gpt2-corpus.txt'), '--out', join(work, 'tiny'), '--tokenizer', 'gpt2', '--layers', '1', '--heads', '1', '--embd', '16', '--block', String(T), '--batch', '1', '--steps', '1', '--warmup', '0', '--eval-every', '1', '--eval-iters', '1');
  run('export-hf', '--model', join(work, 'tiny'), '--out', served, '--dtype', 'f16');
  // The same files at GPT-2 small's width and depth.
  const config = JSON.parse(readFileSync(join(served, 'config.json'), 'utf8'));
  writeFileSync(join(served, 'config.json'), JSON.stringify({ ...config, n_layer: L, n_head: NH, n_embd: C }, null, 2));
  writeWeights(join(served, 'model.safetensors'));
});

test.afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(served, { recursive: true, force: true });
  rmSync(join(root, `dist-e2e-${port}`, 'how-gpt2-corpus.txt'), { force: true });
});

test('GPT-2 small shape: open the view, change block, head, position, temperature; no main-thread task over 50 ms', async ({ page }) => {
  test.setTimeout(240_000);
  await openPage(page);
  await page.getByRole('tab', { name: 'Models' }).click();
  await page.getByLabel('Model URL').fill('fixtures/gpt2-small-shape/');
  await page.getByRole('button', { name: 'Load from URL' }).click();
  await expect(page.getByTestId('model-status')).toContainText('12 layers, 12 heads, 768 channels, context 64', { timeout: 150_000 });

  await page.evaluate(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__long.push(e.duration))).observe({ type: 'longtask', buffered: false });
  });
  const longTasks = () => page.evaluate(() => (window as unknown as { __long: number[] }).__long.splice(0));
  const none = async (what: string) => {
    const tasks = await longTasks();
    expect(tasks.filter((d) => d > 50), `main-thread tasks over 50 ms ${what}: ${tasks.join(', ')}`).toEqual([]);
  };

  // Open the view and trace a typed text to its last token (GPT-2 BPE: one chip a word).
  await page.getByRole('tab', { name: 'How it works' }).click();
  const text = page.getByLabel('Text', { exact: true });
  await text.fill(' the cat sat on the mat and looked');
  const chips = page.getByTestId('how-token');
  await expect(chips).toHaveCount(8, { timeout: 120_000 });
  await expect(page.getByTestId('how-status')).toContainText('GPU');
  await expect(page.getByTestId('how-vocab')).toContainText('50,257');
  const probs = () => page.getByTestId('how-probs').locator('[data-prob]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-prob'))));
  await expect(page.getByTestId('how-probs').locator('[data-prob]').first()).toBeVisible({ timeout: 60_000 });
  await none('opening the view');

  // Block and head: the last of each.
  const qNorm = () => page.getByTestId('how-qkv').locator('[data-norm]').first().getAttribute('data-norm');
  const q0 = await qNorm();
  await page.getByLabel('Block', { exact: true }).selectOption('11');
  await expect.poll(qNorm).not.toBe(q0);
  const q11 = await qNorm();
  await page.getByLabel('Head', { exact: true }).selectOption('11');
  await expect.poll(qNorm).not.toBe(q11);
  await none('changing block and head');

  // Position: an earlier token of the same text (its keys and values are in the cache).
  await text.fill(' the cat sat on the mat');
  await expect(chips).toHaveCount(6, { timeout: 60_000 });
  await expect(page.getByTestId('how-weights').locator('[data-weight]')).toHaveCount(6, { timeout: 60_000 });
  await none('changing the position');

  // Temperature reshapes the bars over 50257 tokens; they still sum to 1.
  const warm = await probs();
  await page.getByLabel('Temperature', { exact: true }).fill('0.3');
  await expect.poll(async () => (await probs())[0]).toBeGreaterThan(warm[0]!);
  await page.getByLabel('Temperature', { exact: true }).fill('1.8');
  await expect.poll(async () => (await probs())[0]).toBeLessThan(warm[0]!);
  await none('moving Temperature');
});
