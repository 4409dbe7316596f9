// First-run rough edges: samples keep their own text direction and long ones are clamped, byte
// tokens read as bytes; one import-error banner at a time; form choices survive leaving the page;
// a started run opens on its own page (/runs/:id) with its dashboard first; a paused run says so.
import { expect, test } from '@playwright/test';

test('samples: right-to-left text stays inside its row, a 100k-character row is clamped, tokens never read �', async ({ page }) => {
  const rows = ['plain row before', 'abc \u202Ereversed tail', 'x'.repeat(100_000), 'an arrow → here'];
  await page.goto('/datasets');
  await page.getByTestId('tab-file').click();
  await page.getByTestId('dataset-file').setInputFiles({ name: 'edges.txt', mimeType: 'text/plain', buffer: Buffer.from(rows.join('\n')) });
  await page.getByTestId('import-txt-split').selectOption('line');
  await page.getByTestId('import-submit').click();
  const dataset = page.locator('[data-testid="dataset-row"][data-name="edges"]');
  await expect(dataset).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await dataset.click();
  await page.getByTestId('tokenize-submit').click();
  await expect(page.getByTestId('tokenization-row').first()).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });

  // 1. The long row is a few lines tall until "Show more" (measured as text, not hovered tokens).
  const long = page.locator('[data-testid="sample-row"][data-index="2"]');
  const height = async () => {
    await page.mouse.move(0, 0);
    await expect(long.getByTestId('sample-text')).toBeVisible();
    return (await long.boundingBox())!.height;
  };
  expect(await height()).toBeLessThan(250);
  await long.getByTestId('sample-more').click();
  expect(await height()).toBeGreaterThan(2000);
  await long.getByTestId('sample-more').click();
  expect(await height()).toBeLessThan(250);

  // 2. A right-to-left override inside a token does not carry past it: the token count after the
  //    tokens stays to the right of all of them (unisolated, it lands reversed between them).
  const rtl = page.locator('[data-testid="sample-row"][data-index="1"]');
  await expect(rtl.getByTestId('sample-text')).toHaveAttribute('dir', 'auto');
  await rtl.hover();
  const tokens = rtl.getByTestId('token');
  await expect(tokens.first()).toBeVisible();
  const rightmostToken = Math.max(...(await tokens.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().right))));
  const count = (await rtl.getByTestId('token-count').boundingBox())!;
  expect(count.x).toBeGreaterThanOrEqual(rightmostToken - 1);
  expect(await tokens.evaluateAll((els) => els.every((el) => getComputedStyle(el).unicodeBidi === 'isolate'))).toBe(true);

  // 3. The arrow's bytes are merged into one token reading "→"; no token reads U+FFFD.
  const arrow = page.locator('[data-testid="sample-row"][data-index="3"]');
  await arrow.hover();
  const texts = await arrow.getByTestId('token').allTextContents();
  expect(texts.join('')).toBe(rows[3]);
  expect(texts.some((t) => t.includes('→'))).toBe(true);
  expect(texts.join('')).not.toContain('\uFFFD');
});

test('import errors: one banner, replaced by a newer failure, gone after a later success', async ({ page }) => {
  await page.goto('/datasets');
  const importFile = async (name: string, text: string) => {
    await page.getByTestId('tab-file').click();
    await page.getByTestId('dataset-file').setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from(text) });
    await page.getByTestId('import-submit').click();
  };
  const banner = page.getByTestId('import-problem');
  await importFile('first.txt', '');
  await expect(banner).toContainText('first.txt', { timeout: 30_000 });
  await importFile('second.txt', '');
  await expect(banner).toContainText('second.txt', { timeout: 30_000 });
  await expect(banner).toHaveCount(1);
  await importFile('good.txt', 'a good row\n');
  await expect(page.locator('[data-testid="dataset-row"][data-name="good"]')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await expect(banner).toHaveCount(0);
});

test('training choices survive leaving the page; the run name follows the source until edited; a run opens on its own page', async ({ page }) => {
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  const field = (name: string) => page.locator(`[name="${name}"]`);
  await expect(field('name')).toHaveValue('topk-synthetic');
  await field('arch').selectOption('relu');
  await field('sourceType').selectOption('live');
  await expect(field('name')).toHaveValue('relu-live');
  await field('sourceType').selectOption('synthetic');
  await expect(field('name')).toHaveValue('relu-synthetic');
  for (const [name, value] of Object.entries({ dIn: '16', nFeatures: '32', dSae: '32', batchSize: '32', totalSteps: '100000', checkpointEvery: '50' })) {
    await field(name).fill(value);
  }

  await page.getByRole('link', { name: 'Datasets' }).click();
  await page.getByRole('link', { name: 'Training' }).click();
  await expect(field('arch')).toHaveValue('relu');
  await expect(field('dSae')).toHaveValue('32');
  await expect(field('totalSteps')).toHaveValue('100000');

  // A typed name is kept when the configuration changes.
  await field('name').fill('edge-run');
  await field('arch').selectOption('topk');
  await field('k').fill('4');
  await expect(field('name')).toHaveValue('edge-run');

  await page.getByTestId('start-training').click();
  await expect(page).toHaveURL(/\/runs\/run_/);
  const dash = page.getByTestId('run-dashboard');
  await expect(dash).toContainText('edge-run');
  await expect(page.getByTestId('run-status')).toHaveText('running', { timeout: 60_000 });
  await expect(page.getByTestId('run-status')).toBeInViewport();
  await page.getByTestId('run-config').locator('summary').click();
  await expect(page.getByTestId('run-config')).toContainText('synthetic ground truth: 32 true features');

  await dash.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('paused', { timeout: 60_000 });
  await expect(page.getByTestId('active-job')).toHaveText('No job running · 1 paused');
  await dash.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('cancelled', { timeout: 60_000 });
});

test('extraction choices (layer, source) survive leaving the page', async ({ page }) => {
  await page.goto('/models');
  await page.getByTestId('model-demo-add').click();
  await expect(page.getByTestId('model-row')).toHaveCount(1, { timeout: 60_000 });
  await page.getByRole('link', { name: 'Extraction' }).click();
  await page.getByTestId('extract-layer').fill('1');
  await page.getByTestId('extract-source').selectOption('tokenization');
  await page.getByTestId('extract-backend').selectOption('wasm');
  await page.getByRole('link', { name: 'Models' }).click();
  await page.getByRole('link', { name: 'Extraction' }).click();
  await expect(page.getByTestId('extract-layer')).toHaveValue('1');
  await expect(page.getByTestId('extract-source')).toHaveValue('tokenization');
  await expect(page.getByTestId('extract-backend')).toHaveValue('wasm');
});
