// Playwright e2e against the built app (vite preview), in system Chromium with WebGPU on
// SwiftShader; falls back to Playwright's own Chromium on a laptop.
import { defineConfig } from '@playwright/test';
import { chromiumPath as executablePath, QUIET_ARGS as quiet, WEBGPU_ARGS as webgpu } from './scripts/chromium';

const PORT = Number(process.env.E2E_PORT ?? 4173);
/** Serve another build folder (e.g. when several checkouts test at once); default dist/. */
const OUT_DIR = process.env.E2E_OUT_DIR ? ` --outDir ${process.env.E2E_OUT_DIR}` : '';

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  reporter: 'list',
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1360, height: 860 },
  },
  projects: [
    {
      name: 'webgpu',
      testIgnore: /no-webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath, args: [...quiet, ...webgpu] } },
    },
    {
      name: 'no-webgpu',
      testMatch: /no-webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath, args: quiet } },
    },
  ],
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort --host 127.0.0.1${OUT_DIR}`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
