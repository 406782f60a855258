/**
 * Builds the page of `npm run bench:browser` (bench/browser/): the product's engine worker and
 * TensorFlow.js in one page of their own, so TensorFlow.js never enters the product's bundle.
 * Output: dist-bench/, with public/ (the shipped model, the corpora) beside it, as in dist/.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('bench/browser'),
  base: './',
  publicDir: here('public'),
  worker: { format: 'es' },
  // TensorFlow.js alone is ~1 MB of script: no warning for large chunks here.
  build: { target: 'es2022', outDir: here('dist-bench'), emptyOutDir: true, chunkSizeWarningLimit: 4096 },
});
