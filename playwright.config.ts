import { defineConfig } from '@playwright/test';

// Debian's Chromium, headless on SwiftShader (README: Browser requirements). Never a downloaded browser.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// PW_PORT lets two runs on one machine serve their own builds side by side.
const port = Number(process.env.PW_PORT ?? 4173);
// The built page is served as a static host serves a project page: under a sub path, by a plain
// file server (no dev-server rewrites). Tests open it with page.goto('./').
const subPath = 'gpt-playground';
const outDir = `dist-e2e-${port}`;

export default defineConfig({
  testDir: 'e2e',
  // Playwright empties its outputDir at start: keep it apart from the reports in test-results/.
  outputDir: 'test-results/e2e-artifacts',
  timeout: 120_000,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}/${subPath}/`,
    trace: 'on-first-retry',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--enable-unsafe-webgpu',
        '--use-webgpu-adapter=swiftshader',
        '--enable-features=Vulkan',
        '--no-sandbox',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
    },
  },
  webServer: {
    command: `rm -rf ${outDir} && npx vite build --logLevel warn --outDir ${outDir}/${subPath} && node scripts/serve-static.mjs ${outDir} ${port}`,
    url: `http://127.0.0.1:${port}/${subPath}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
  },
});
