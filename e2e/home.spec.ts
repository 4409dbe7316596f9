// First run: the home page and its one-click demo from a fresh profile with no network but the
// app's own origin (corpus, model, the model's own tokenizer, a TopK SAE on live activations, its
// dashboard, the feature analysis of its final checkpoint and a feature page with contexts; a second
// click queues nothing and opens the features), and tokenizers that match: the demo model's tokenizer
// is offered by name, while a tokenization from the built-in BPE is refused before any work.
import { expect, test, type Page } from '@playwright/test';
import { storedRows } from './idb';
import { LAPTOP_SIZES, shoot } from './shots';

const DEMO_TOKENIZER = 'lantern-fixtures/tiny-gpt2 tokenizer';

/** Every request outside the app's own origin fails, as on a machine with no network. */
async function offline(page: Page, baseURL: string | undefined): Promise<string[]> {
  const refused: string[] = [];
  await page.context().route('**/*', (route) => {
    const url = route.request().url();
    if (baseURL && url.startsWith(baseURL)) return route.continue();
    refused.push(url);
    return route.abort();
  });
  return refused;
}

/** Coloured pixels on a chart's canvas: the grid, axes and labels are grey, so only a drawn series has saturated colour. */
function seriesPixels(page: Page, testid: string): Promise<number> {
  return page
    .getByTestId(testid)
    .locator('canvas')
    .first()
    .evaluate((c: HTMLCanvasElement) => {
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 60) n++;
      return n;
    });
}

test('from a fresh profile, "Run the demo" reaches a finished run whose dashboard shows its curves and a feature page with contexts; home then shows the steps done', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(900_000);
  const refused = await offline(page, baseURL);
  await page.goto('/');
  await expect(page.getByTestId('device-chip')).not.toContainText(/starting|no WebGPU/, { timeout: 60_000 });
  const state = (key: string) => page.locator(`[data-testid="workflow-step"][data-key="${key}"]`);
  await expect(state('dataset').getByTestId('workflow-state')).toHaveText('no dataset yet');
  await expect(state('model').getByTestId('workflow-state')).toHaveText('no model yet');
  await expect(state('features').getByTestId('workflow-state')).toHaveText('no analysis yet');
  await expect(state('steering').getByTestId('workflow-state')).toHaveText('no preset yet');
  await shoot(page, 'home-fresh', { sizes: LAPTOP_SIZES });

  await page.getByTestId('demo-run').click();
  await expect(page.getByTestId('demo-step')).toHaveCount(5);
  await expect(page.locator('[data-testid="demo-step"][data-key="model"]')).toHaveAttribute('data-status', 'done');
  await shoot(page, 'demo-queued', { sizes: LAPTOP_SIZES });

  // The dashboard opens by itself once training starts, and the run finishes with no other input.
  await page.waitForURL(/\/runs\/run_/, { timeout: 300_000 });
  await expect(page.getByTestId('run-dashboard')).toBeVisible();
  await expect(page.getByTestId('run-step')).not.toContainText('step 0 /', { timeout: 120_000 });
  await shoot(page, 'demo-training', { sizes: LAPTOP_SIZES });
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 400_000 });
  await expect(page.getByTestId('run-step')).toContainText('step 200 / 200');
  for (const chart of ['chart-loss', 'chart-recon', 'chart-l0']) await expect.poll(() => seriesPixels(page, chart)).toBeGreaterThan(200);
  const loss = Number(await page.getByTestId('stat-loss').textContent());
  expect(Number.isFinite(loss) && loss > 0).toBe(true);
  await shoot(page, 'demo-result', { sizes: LAPTOP_SIZES });

  // What it stored: one dataset, the demo model, one tokenization with the model's own vocabulary.
  const tokenizations = await storedRows<{ tokenizerName: string; vocab: { size: number } }>(page, 'tokenizations');
  expect(tokenizations.map((t) => [t.tokenizerName, t.vocab.size])).toEqual([[DEMO_TOKENIZER, 278]]);

  // The analysis of the final checkpoint follows in the queue; home links its features once ready.
  await page.getByRole('link', { name: 'Home' }).click();
  await expect(page.locator('[data-testid="demo-step"][data-key="features"]')).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
  for (const key of ['dataset', 'model', 'activations', 'sae', 'features']) await expect(state(key)).toHaveAttribute('data-status', 'done');
  await expect(state('dataset').getByTestId('workflow-state')).toHaveText('1 dataset');
  await expect(state('activations').getByTestId('workflow-state')).toContainText('computed live for 1 run');
  await expect(state('features').getByTestId('workflow-state')).toHaveText('1 analysed SAE');
  await expect(page.locator('[data-testid="demo-step"][data-status="done"]')).toHaveCount(5);
  await expect(page.getByTestId('home-run')).toContainText('demo-topk');
  await shoot(page, 'home-done', { sizes: LAPTOP_SIZES });

  // Its features: the list, then the densest latent's page with shaded top contexts.
  await page.getByTestId('demo-open-features').click();
  await expect(page.getByTestId('features-count')).toHaveText('192 of 192 latents');
  await page.getByTestId('sort-density').click();
  await page.getByTestId('feature-row').first().click();
  await expect(page).toHaveURL(/\/features\/[^/]+\/\d+$/);
  await expect(page.getByTestId('top-contexts').getByTestId('context').first()).toBeVisible();
  await expect(page.getByTestId('top-contexts').locator('.tok-on').first()).toHaveAttribute('title', /^activation [\d.e-]+ · token \d+$/);
  await shoot(page, 'demo-feature', { sizes: LAPTOP_SIZES });

  // A second click reuses everything: no new job, and the feature list opens again.
  await page.getByRole('link', { name: 'Home' }).click();
  const jobs = (await storedRows(page, 'jobs')).length;
  await page.getByTestId('demo-run').click();
  await page.waitForURL(/\/features\/ck/);
  expect((await storedRows(page, 'jobs')).length).toBe(jobs);
  expect((await storedRows(page, 'datasets')).length).toBe(1);
  expect(refused).toEqual([]);
});

test("the demo model's tokenizer is offered by name and its tokens extract and train; the built-in BPE's are refused before any work", async ({ page, baseURL }) => {
  test.setTimeout(420_000);
  await offline(page, baseURL);
  await page.goto('/models');
  await page.getByTestId('model-demo-add').click();
  await expect(page.getByTestId('model-row')).toHaveCount(1);

  await page.getByRole('link', { name: 'Datasets' }).click();
  await page.getByTestId('demo-import').click();
  await expect(page.getByTestId('dataset-detail')).toBeVisible({ timeout: 120_000 });
  const tokenizer = page.getByTestId('tokenize-tokenizer');
  await expect(tokenizer.locator('option')).toHaveText([DEMO_TOKENIZER, 'Built-in demo BPE', 'a tokenizer.json file…']);
  for (const label of ['Built-in demo BPE', DEMO_TOKENIZER]) {
    await tokenizer.selectOption({ label });
    await page.getByTestId('tokenize-context').fill('32');
    await page.getByTestId('tokenize-submit').click();
    await expect(page.getByTestId('tokenization-row').filter({ hasText: label })).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  }

  await page.getByRole('link', { name: 'Extraction' }).click();
  await page.getByTestId('extract-source').selectOption('tokenization');
  const choose = page.getByTestId('extract-tokenization');
  await choose.selectOption({ label: (await choose.locator('option', { hasText: 'Built-in demo BPE' }).textContent())!.trim() });
  const problem = page.getByTestId('extract-form').getByRole('alert');
  await expect(problem).toContainText(`tokenize this dataset with '${DEMO_TOKENIZER}'`);
  await page.getByTestId('extract-start').click();
  await expect(problem).toContainText(`tokenize this dataset with '${DEMO_TOKENIZER}'`);
  expect((await storedRows<{ kind: string }>(page, 'jobs')).filter((j) => j.kind === 'extract')).toEqual([]);

  await choose.selectOption({ label: (await choose.locator('option', { hasText: DEMO_TOKENIZER }).textContent())!.trim() });
  await expect(problem).toHaveCount(0);
  await page.getByTestId('extract-layer').fill('1');
  await page.getByTestId('extract-hook-kind').selectOption('hook_resid_pre');
  await page.getByTestId('extract-maxSequences').fill('24');
  await page.getByTestId('extract-backend').selectOption('wasm');
  await page.getByTestId('extract-start').click();
  await expect(page.getByTestId('set-row')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('set-shape')).toHaveText('[768, 48]');

  await page.getByRole('link', { name: 'Training' }).click();
  await page.locator('[name="sourceType"]').selectOption('activations');
  await page.locator('[name="setId"]').selectOption({ index: 1 });
  for (const [name, value] of Object.entries({ name: 'demo-tokens-topk', dSae: '96', k: '8', batchSize: '64', totalSteps: '40', checkpointEvery: '20' })) {
    await page.locator(`[name="${name}"]`).fill(value);
  }
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 180_000 });
  await expect(page.getByTestId('run-step')).toContainText('step 40 / 40');
});
