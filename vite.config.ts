import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

export default defineConfig({
  // Relative URLs in the build: dist/ works from any folder of any static host (a project page's
  // sub path too). Code that hands a URL to the worker makes it absolute against the page first.
  base: './',
  plugins: [
    react(),
    tailwindcss(),
    // The Content-Security-Policy in index.html holds for the build; the dev server's hot reload
    // needs an inline script and a websocket, so `vite dev` serves the page without it.
    { name: 'csp-build-only', apply: 'serve', transformIndexHtml: (html: string) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/, '') },
  ],
  worker: { format: 'es' },
  build: { target: 'es2022' },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    // Dawn + lavapipe use every core already; two files at a time keeps a 2-core machine responsive.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
