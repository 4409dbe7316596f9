// Installable and offline: after one visit the service worker controls the page, and with the network
// gone every page opens and local work runs (a file import, the demo model, an extraction, a training
// run); the manifest has no installability errors; a new build shows the update toast (with a warning
// while a job runs); an evicted offline copy says so and repairs itself once the network is back.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, expect, test, type Page } from '@playwright/test';
import { chromiumPath, QUIET_ARGS, WEBGPU_ARGS } from '../scripts/chromium';

const PAGES = ['/', '/datasets', '/models', '/extraction', '/training', '/library', '/features', '/steering', '/runs', '/jobs', '/storage', '/system', '/kiosk'];
const DEMO_REPO = 'lantern-fixtures/tiny-gpt2';

/** Waits until the service worker has installed (everything precached), activated and controls the page. */
async function waitForServiceWorker(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          const reg = await navigator.serviceWorker.getRegistration();
          return reg?.active?.state === 'activated' && navigator.serviceWorker.controller === reg.active;
        }),
      { timeout: 120_000 },
    )
    .toBe(true);
}

async function fill(page: Page, values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) await page.locator(`[name="${name}"]`).fill(value);
}

test('after one visit, with the network gone, every page opens and a file import, the demo model, an extraction and a training run all work', async ({ page, context }) => {
  test.setTimeout(400_000);
  await page.goto('/');
  await waitForServiceWorker(page);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('offline-chip')).toBeVisible();
  // Served by the worker with the app's headers: cross-origin isolated, so ORT's WASM threads still run.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  for (const path of PAGES) {
    await page.goto(path);
    await expect(page.locator('main h1').first()).toBeVisible();
    await expect(page.locator('main h1').first()).not.toHaveText('Not found');
  }

  // A local file, imported and listed.
  await page.goto('/datasets');
  await page.getByTestId('tab-file').click();
  await page.getByTestId('dataset-file').setInputFiles({ name: 'offline-notes.txt', mimeType: 'text/plain', buffer: Buffer.from('One lantern.\n\nTwo lanterns.\n\nThree lanterns in the dark.\n') });
  await expect(page.getByTestId('import-name')).not.toHaveValue('');
  const name = await page.getByTestId('import-name').inputValue();
  await page.getByTestId('import-submit').click();
  await expect(page.locator(`[data-testid="dataset-row"][data-name="${name}"]`)).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });

  // The demo model from the precache (its HEAD size checks answered by the worker), then activations from it on WASM.
  await page.goto('/models');
  await page.getByTestId('model-demo-add').click();
  await expect(page.locator(`[data-testid="model-row"][data-repo="${DEMO_REPO}"]`)).toBeVisible({ timeout: 60_000 });
  await page.goto('/extraction');
  await page.getByTestId('extract-text').fill('Lanterns light the way through the dark forest, one step at a time. '.repeat(3));
  await page.getByTestId('extract-layer').fill('1');
  await page.getByTestId('extract-hook-kind').selectOption('hook_resid_post');
  await page.getByTestId('extract-contextSize').fill('16');
  await page.getByTestId('extract-batchSize').fill('4');
  await page.getByTestId('extract-backend').selectOption('wasm');
  await page.getByTestId('extract-start').click();
  await expect(page.getByTestId('set-row')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });

  // A small synthetic SAE trains to the end on WebGPU.
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  await fill(page, { name: 'offline-topk', dIn: '16', nFeatures: '48', dSae: '48', k: '4', batchSize: '32', totalSteps: '30', checkpointEvery: '10' });
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('run-step')).toContainText('step 30 / 30');
  await expect(page.getByTestId('offline-chip')).toBeVisible();
});

test('Chromium reports no installability errors for the manifest', async ({ baseURL }) => {
  // A persistent profile: Playwright's ordinary contexts are incognito, where nothing installs.
  const profile = await mkdtemp(join(tmpdir(), 'lantern-install-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: [...QUIET_ARGS, ...WEBGPU_ARGS], baseURL });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/');
    await waitForServiceWorker(page);
    const manifest = (await (await page.request.get('/manifest.webmanifest')).json()) as { icons: { sizes: string; purpose: string }[]; display: string; shortcuts: { url: string }[] };
    expect(manifest.display).toBe('standalone');
    expect(manifest.icons.map((i) => `${i.sizes} ${i.purpose}`)).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
    expect(manifest.shortcuts.map((s) => s.url)).toEqual(['/training', '/features', '/steering', '/kiosk']);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
    expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
});

test('an evicted offline copy says so instead of a browser error, and repairs itself once online', async ({ page, context }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await waitForServiceWorker(page);
  const removed = await page.evaluate(async () => {
    const names = (await caches.keys()).filter((n) => n.startsWith('workbox-precache'));
    for (const n of names) await caches.delete(n);
    return names.length;
  });
  expect(removed).toBe(1);
  await context.setOffline(true);
  await page.goto('/training');
  await expect(page.getByTestId('evicted')).toContainText("Lantern's offline copy is missing");
  await expect(page.getByTestId('evicted')).toContainText('Your datasets, models, runs and checkpoints are stored separately and are untouched.');

  await context.setOffline(false);
  await page.getByRole('button', { name: 'Reload' }).click();
  await expect(page.getByRole('heading', { name: 'Training', level: 1 })).toBeVisible();
  await expect(page.getByTestId('toast').filter({ hasText: "Lantern's offline copy was missing" })).toBeVisible();
  // The worker fetches every evicted file again: every entry of its precache list.
  const entries = (await readFile(join(resolve(process.env.E2E_OUT_DIR ?? 'dist'), 'sw.js'), 'utf8')).match(/"url":"/g)!.length;
  await expect(page.getByTestId('toast').filter({ hasText: 'Lantern works offline again' })).toContainText(`${entries} cached files restored`, { timeout: 120_000 });
  await context.setOffline(true);
  await page.goto('/runs');
  await expect(page.getByRole('heading', { name: 'Runs', level: 1 })).toBeVisible();
});

test('a new build with a changed file shows the update toast, warns about the running job, and reloads into the new version', async ({ browser }) => {
  test.setTimeout(400_000);
  // A copy of the build on its own server, so this test can publish a "new build" without touching the shared one.
  const dir = await mkdtemp(join(tmpdir(), 'lantern-update-'));
  await cp(resolve(process.env.E2E_OUT_DIR ?? 'dist'), dir, { recursive: true });
  const { preview } = await import('vite');
  const server = await preview({ configFile: resolve('vite.config.ts'), build: { outDir: dir }, preview: { host: '127.0.0.1', port: 0, strictPort: false }, logLevel: 'error' });
  const url = server.resolvedUrls!.local[0].replace(/\/$/, '');
  const context = await browser.newContext({ baseURL: url });
  const page = await context.newPage();
  try {
    await page.goto('/training');
    await waitForServiceWorker(page);
    await expect(page.getByTestId('start-training')).toBeEnabled();
    await fill(page, { name: 'update-topk', dIn: '16', nFeatures: '48', dSae: '48', k: '4', batchSize: '32', totalSteps: '100000', checkpointEvery: '20' });
    await page.getByTestId('start-training').click();
    await expect(page.getByTestId('run-status')).toHaveText('running');

    // 1. The new build: index.html changed, and the worker's precache list carries its new revision.
    const html = (await readFile(join(dir, 'index.html'), 'utf8')).replace('</head>', '<meta name="lantern-build" content="second" /></head>');
    const sw = await readFile(join(dir, 'sw.js'), 'utf8');
    const oldRev = sw.match(/"revision":"([0-9a-f]{32})","url":"index\.html"/)![1];
    await writeFile(join(dir, 'index.html'), html);
    await writeFile(join(dir, 'sw.js'), sw.replace(oldRev, createHash('md5').update(html).digest('hex')));

    // 2. A navigation finds the new worker, which installs and waits: the toast offers it and names the running job.
    await page.reload();
    const toast = page.getByTestId('update-toast');
    await expect(toast).toBeVisible({ timeout: 120_000 });
    await expect(toast.getByTestId('update-job-warning')).toContainText('Train update-topk');
    await expect(page.locator('meta[name="lantern-build"]')).toHaveCount(0);

    // 3. Accepting it reloads into the new version, and the run resumes by itself.
    await toast.getByTestId('update-reload').click();
    await expect(page.locator('meta[name="lantern-build"]')).toHaveAttribute('content', 'second', { timeout: 60_000 });
    await expect(page.getByTestId('update-toast')).toHaveCount(0);
    await expect(page.getByTestId('run-status')).toHaveText('running', { timeout: 60_000 });
    await page.getByTestId('run-dashboard').getByRole('button', { name: 'Stop' }).click();
  } finally {
    await context.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
