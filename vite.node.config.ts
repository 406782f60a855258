/**
 * Builds the Node entry points (CLI, benchmarks) with Vite so that they share the `.wgsl?raw`
 * sources with the browser and the tests. Output: dist-node/*.js, run with plain `node`.
 */
import { existsSync } from 'node:fs';
import { defineConfig } from 'vite';

export default defineConfig({
  publicDir: false,
  build: {
    ssr: true,
    target: 'node20',
    outDir: 'dist-node',
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    rollupOptions: {
      input: {
        cli: 'src/node/cli.ts',
        // The benchmarks depend on the product, never the reverse: each is an entry of its own.
        ...(existsSync('bench/kernels.ts') ? { 'bench-kernels': 'bench/kernels.ts', 'bench-model': 'bench/model.ts', 'bench-profile': 'bench/profile-step.ts', 'bench-decode': 'bench/decode-capture.ts', 'bench-decode-weights': 'bench/decode-weights.ts', 'bench-browser': 'bench/browser/run.ts', 'bench-explorer': 'bench/explorer.ts', 'bench-trace': 'bench/trace.ts', 'bench-probe': 'bench/probe.ts', 'bench-first-visit': 'bench/first-visit.ts' } : {}),
      },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
  ssr: { noExternal: [] },
});
