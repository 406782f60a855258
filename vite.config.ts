import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * What the service worker precaches: the app (scripts, styles, the page, icons), the shipped model
 * (public/weights: config.json, tokenizer.json, model.safetensors) and the bundled corpora
 * (public/corpora/*.txt), so that after one visit the page opens, writes and trains with no network.
 */
const PRECACHE = ['**/*.{js,css,html,svg,png}', 'weights/**/*.{json,safetensors}', 'corpora/*.txt'];
/**
 * Workbox skips (with a warning) any file above this size; its default, 2 MiB, would leave out the
 * shipped model's weights (3.3 MB). 16 MiB leaves room for a larger shipped model; the offline e2e
 * test fails if the weights are not precached.
 */
const PRECACHE_MAX_FILE_BYTES = 16 * 1024 * 1024;

export default defineConfig({
  // Relative URLs in the build: dist/ works from any folder of any static host (a project page's
  // sub path too). Code that hands a URL to the worker makes it absolute against the page first.
  base: './',
  plugins: [
    react(),
    tailwindcss(),
    // The Content-Security-Policy in index.html holds for the build; the dev server's hot reload
    // needs an inline script and a websocket, so `vite dev` serves the page without it.
    // Offline and installable: a web app manifest and a Workbox service worker (generateSW). Paths
    // are relative (base './'): the manifest's scope and start_url resolve against the manifest's
    // own URL and the worker registers next to index.html, so a sub-path deployment works as is.
    // A new deployment is announced ('prompt': the page shows "A new version is ready — Reload",
    // src/ui/components/UpdatePrompt.tsx) and takes over only when the user reloads. No service
    // worker under `vite dev` (devOptions off): the register call is a no-op there.
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      includeManifestIcons: false, // PRECACHE has them (and the plugin adds the manifest itself)
      showMaximumFileSizeToCacheInBytesWarning: true,
      manifest: {
        name: 'GPT Playground — WebGPU',
        short_name: 'GPT Playground',
        description: 'Write with a GPT, train one on your own text, watch where it attends. On your GPU; nothing leaves this machine.',
        start_url: './',
        scope: './',
        display: 'standalone',
        background_color: '#09090b',
        theme_color: '#09090b',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        globPatterns: PRECACHE,
        maximumFileSizeToCacheInBytes: PRECACHE_MAX_FILE_BYTES,
        // The page is one document: its folder's URL, with or without a query (?test-hooks), is
        // index.html. No catch-all fallback: any other path is the server's answer (a 404 stays a 404).
        navigateFallback: null,
        ignoreURLParametersMatching: [/.*/],
        cleanupOutdatedCaches: true,
      },
    }),
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
