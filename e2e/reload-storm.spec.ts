// Reload storm: a tokenization, an extraction and a training run are queued, then the page is
// reloaded 20 times at seeded random moments while they run. Every job finishes once, no checkpoint
// is lost or doubled, the metric history has every step once, and the tokens, activations, metrics
// and checkpoints are equal (by hash) to those of the same jobs run without interruption.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { storedRows } from './idb';
import { fillExtraction } from './extract';

const LINES = Array.from({ length: 3000 }, (_, i) => `Storm line ${i}: lanterns over the river, number ${i * 13}.`).join('\n');
const TEXT = 'Lanterns light the way through the dark forest, one step at a time. '.repeat(60);
const RUN = { name: 'storm-run', dIn: '16', nFeatures: '64', dSae: '64', k: '4', batchSize: '128', totalSteps: '120', checkpointEvery: '30' };

/** mulberry32: the reload moments are the same on every run of the test. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Demo model and a dataset, then the three jobs queued: tokenization, extraction, training. */
async function queueJobs(page: Page) {
  await page.goto('/models');
  await page.getByTestId('model-demo-add').click();
  await expect(page.locator('[data-testid="model-row"]')).toHaveCount(1);
  await page.getByRole('link', { name: 'Datasets' }).click();
  await page.getByTestId('tab-file').click();
  await page.getByTestId('dataset-file').setInputFiles({ name: 'storm.txt', mimeType: 'text/plain', buffer: Buffer.from(LINES) });
  await page.getByTestId('import-txt-split').selectOption('line');
  await page.getByTestId('import-submit').click();
  const row = page.locator('[data-testid="dataset-row"][data-name="storm"]');
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await row.click();
  await page.getByTestId('tokenize-context').fill('16');
  await page.getByTestId('tokenize-submit').click();
  await page.getByRole('link', { name: 'Extraction' }).click();
  await fillExtraction(page, { text: TEXT, layer: 1, contextSize: 16, batchSize: 4, backend: 'wasm' });
  await page.getByTestId('extract-start').click();
  await page.getByRole('link', { name: 'Training' }).click();
  for (const [field, value] of Object.entries(RUN)) await page.locator(`[name="${field}"]`).fill(value);
  await page.getByTestId('start-training').click();
  await expect.poll(async () => (await storedRows(page, 'jobs')).length).toBe(4);
}

interface Job { kind: string; status: string; error?: unknown }

const settledJobs = async (page: Page) => (await storedRows<Job>(page, 'jobs')).map((j) => `${j.kind}:${j.status}${j.error ? JSON.stringify(j.error) : ''}`).sort();
const ALL_DONE = ['extract:done', 'ingest:done', 'tokenize:done', 'train:done'];

/** What the jobs stored, by hash and value, independent of record ids. */
async function results(page: Page) {
  const chunks = async (table: string) =>
    (await storedRows<{ index: number; sha256: string }>(page, table)).sort((a, b) => a.index - b.index).map((c) => `${c.index} ${c.sha256}`);
  const metrics = (await storedRows<{ step: number; values: Record<string, number> }>(page, 'metrics')).sort((a, b) => a.step - b.step);
  const checkpoints = (await storedRows<{ step: number; sha256: string }>(page, 'checkpoints')).sort((a, b) => a.step - b.step);
  return {
    tokens: await chunks('tokenChunks'),
    activations: await chunks('activationChunks'),
    steps: metrics.map((m) => m.step),
    values: metrics.map(({ values: { tokensPerSec: _, ...v } }) => v),
    checkpoints: checkpoints.map((c) => `${c.step} ${c.sha256}`),
  };
}

async function uninterrupted(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await queueJobs(page);
  await expect.poll(() => settledJobs(page), { timeout: 150_000 }).toEqual(ALL_DONE);
  const out = await results(page);
  await context.close();
  return out;
}

test('20 reloads at random moments while three jobs run change nothing they store', async ({ page, browser }) => {
  test.setTimeout(420_000);
  const expected = await uninterrupted(browser);
  const total = Number(RUN.totalSteps);
  expect(expected.steps).toEqual(Array.from({ length: total }, (_, i) => i + 1));

  await queueJobs(page);
  const random = seeded(11);
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(100 + Math.floor(random() * 800));
    await page.reload();
  }
  await expect.poll(() => settledJobs(page), { timeout: 150_000 }).toEqual(ALL_DONE);

  const got = await results(page);
  expect(got.steps).toEqual(expected.steps);
  expect(got.values).toEqual(expected.values);
  expect(got.checkpoints).toEqual(expected.checkpoints);
  expect(got.tokens).toEqual(expected.tokens);
  expect(got.activations).toEqual(expected.activations);
  const jobs = await storedRows<{ kind: string; attempts: number }>(page, 'jobs');
  // Resumed by the reloads: at least one job ran in more than one attempt.
  expect(Math.max(...jobs.map((j) => j.attempts))).toBeGreaterThan(1);
});
