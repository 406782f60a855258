/**
 * The CLI end to end, as a user runs it: build once, then train a tiny model on a small corpus,
 * generate, print logits, evaluate, and check the readable errors for bad input.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'gpt-cli-'));
const corpus = join(work, 'names.txt');
const modelDir = join(work, 'model');

function cli(...args: string[]) {
  return cliWithEnv({}, ...args);
}

function cliWithEnv(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync('node', [join(root, 'dist-node/cli.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.node.config.ts', '--logLevel', 'error'], { cwd: root, stdio: 'inherit' });
  // A small slice of the names corpus (public data shipped in shared/data, copied in test/fixtures).
  writeFileSync(corpus, readFileSync(join(root, 'test/fixtures/names-2k.txt'), 'utf8'));
}, 300_000);

describe('cli', () => {
  it('trains, printing one JSON line per evaluation, and saves a model directory', () => {
    const r = cli('train', '--data', corpus, '--out', modelDir, '--layers', '1', '--heads', '2', '--embd', '32', '--block', '16', '--batch', '8', '--steps', '60', '--lr', '1e-2', '--warmup', '5', '--eval-every', '30', '--eval-iters', '4', '--json');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([0, 30, 60]);
    for (const l of lines) expect(Object.keys(l).sort()).toEqual(['step', 'train_loss', 'val_loss']);
    // It learns: the loss falls well below the uniform guess ln(V).
    expect(lines[2].train_loss).toBeLessThan(lines[0].train_loss - 0.5);
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'gpt2', n_layer: 1, n_head: 2, n_embd: 32, n_positions: 16, activation_function: 'gelu_new' });
  });

  it('with --probe, each evaluation line carries the probe loss (mean −log p of the true next token), and it falls', () => {
    const r = cli('train', '--data', corpus, '--out', join(work, 'probed'), '--layers', '1', '--heads', '2', '--embd', '32', '--block', '16', '--batch', '8', '--steps', '40', '--lr', '1e-2', '--warmup', '5', '--eval-every', '20', '--eval-iters', '4', '--json', '--probe');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([0, 20, 40]);
    expect(lines[0].probe_loss).toBeGreaterThan(lines[2].probe_loss + 0.3);
    expect(r.stderr).toMatch(/probe: mean −log p\(true next token\) [\d.]+ over \d+ positions/);
  });

  it('generates the same text for the same seed', () => {
    const a = cli('generate', '--model', modelDir, '--prompt', 'an', '--max-new-tokens', '40', '--seed', '3');
    const b = cli('generate', '--model', modelDir, '--prompt', 'an', '--max-new-tokens', '40', '--seed', '3');
    expect(a.code).toBe(0);
    expect(a.stdout.startsWith('an')).toBe(true);
    expect(a.stdout.length).toBeGreaterThan(30);
    expect(b.stdout).toBe(a.stdout);
  });

  it('generates with 16-bit weights (--weights): greedy text as f32 writes it, and a clear error for a bad value', () => {
    const shipped = join(root, 'public/weights/shakespeare-char');
    const run = (w: string) => cli('generate', '--model', shipped, '--prompt', 'ROMEO:', '--max-new-tokens', '60', '--temperature', '0', '--weights', w);
    const f32 = run('f32');
    const f16 = run('f16packed');
    expect(f32.code).toBe(0);
    expect(f16.code).toBe(0);
    // Greedy: the logits differ by f16 rounding only, so the argmax agrees at >= 95% of positions
    // (src/model/f16.test.ts: 256/256 on this model); compared character by character.
    expect(f16.stdout.length).toBe(f32.stdout.length);
    let same = 0;
    for (let i = 0; i < f32.stdout.length; i++) if (f16.stdout[i] === f32.stdout[i]) same++;
    expect(same / f32.stdout.length).toBeGreaterThanOrEqual(0.95);
    const bad = run('bf16');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--weights must be one of f32, f16packed, f16, got 'bf16'");
  });

  it('loads --model from a URL: a folder served over HTTP gives the text the directory gives', async () => {
    // Served from this process, so the CLI runs asynchronously (spawnSync would block the server).
    const server = createServer((req, res) => {
      const path = new URL(req.url!, 'http://x').pathname;
      const file = join(modelDir, basename(path));
      const bytes = path.startsWith('/model/') && existsSync(file) ? readFileSync(file) : undefined;
      if (bytes) res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model/`;
    const run = (model: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile('node', [join(root, 'dist-node/cli.js'), 'generate', '--model', model, '--prompt', 'an', '--max-new-tokens', '40', '--seed', '3'], { cwd: root, encoding: 'utf8', timeout: 300_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        ),
      );
    try {
      const fromUrl = await run(url);
      expect(fromUrl.stderr).not.toMatch(/error/i);
      expect(fromUrl.code).toBe(0);
      expect(fromUrl.stdout).toBe(cli('generate', '--model', modelDir, '--prompt', 'an', '--max-new-tokens', '40', '--seed', '3').stdout);
      const missing = await run(url.replace('/model/', '/nothing/'));
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/NETWORK.*Not found: .*nothing\/config\.json \(HTTP 404\)/);
    } finally {
      await new Promise<void>((ok) => server.close(() => ok()));
    }
  });

  it('prints next-token logits as JSON', () => {
    const r = cli('logits', '--model', modelDir, '--prompt', 'emm');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
    expect(out.tokens).toHaveLength(3);
    expect(out.logits).toHaveLength(config.vocab_size);
    expect(out.logits.every((x: number) => Number.isFinite(x))).toBe(true);
  });

  it('evaluates the last 10% of a file', () => {
    const r = cli('eval', '--model', modelDir, '--data', corpus);
    expect(r.code).toBe(0);
    const loss = Number(r.stdout.trim());
    expect(loss).toBeGreaterThan(0.5);
    expect(loss).toBeLessThan(3.3); // ln(27) = 3.30 is the uniform guess
  });

  it('reports bad input in plain words', () => {
    const empty = join(work, 'empty.txt');
    writeFileSync(empty, '');
    const r1 = cli('train', '--data', empty, '--out', join(work, 'x'));
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/BAD_CORPUS.*empty/);

    const binary = join(work, 'blob.bin');
    writeFileSync(binary, Buffer.from([0, 1, 2, 255, 0, 0, 7, 8, 0]));
    const r2 = cli('train', '--data', binary, '--out', join(work, 'x'));
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/BAD_CORPUS/);

    const broken = join(work, 'broken');
    execFileSync('cp', ['-r', modelDir, broken]);
    const st = readFileSync(join(broken, 'model.safetensors'));
    writeFileSync(join(broken, 'model.safetensors'), st.subarray(0, st.length - 100));
    const r3 = cli('generate', '--model', broken, '--prompt', 'a');
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/BAD_CHECKPOINT.*truncated/);

    const r4 = cli('train', '--data', corpus, '--out', join(work, 'y'), '--embd', '30', '--heads', '4');
    expect(r4.code).toBe(1);
    expect(r4.stderr).toMatch(/BAD_CONFIG.*divisible/);

    const r5 = cli('train', '--data', corpus, '--out', join(work, 'y'), '--steps', 'many');
    expect(r5.code).toBe(2);
    expect(r5.stderr).toMatch(/--steps must be a number/);

    // The page's recipe validator (src/model/recipe.ts): the same words as the Train tab, before any GPU work.
    const short = join(work, 'short.txt');
    writeFileSync(short, 'to be or not to be\n'.repeat(10)); // 190 characters: 19 validation tokens
    const r6 = cli('train', '--data', short, '--out', join(work, 'z'), '--block', '64');
    expect(r6.code).toBe(1);
    expect(r6.stderr).toMatch(/BAD_CORPUS.*too short for context length 64.*a context length of at most 17 /);
    const r7 = cli('train', '--data', corpus, '--out', join(work, 'z'), '--dropout', '1');
    expect(r7.code).toBe(2);
    expect(r7.stderr).toMatch(/--dropout: dropout must be at least 0 and below 1, but it is 1\./);
  });

  it('says so plainly when there is no WebGPU adapter (no Vulkan driver)', () => {
    const r = cliWithEnv({ VK_ICD_FILENAMES: join(work, 'no-such-driver.json') }, 'generate', '--model', modelDir, '--prompt', 'a');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NO_WEBGPU.*No WebGPU adapter was found/);
  });
});
