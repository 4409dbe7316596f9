// GPU device loss mid-training in the browser: the test destroys the worker's GPUDevice right
// after a chosen step (a control point); the device is re-acquired and the run resumes from its
// last checkpoint, with a history identical to an uninterrupted run of the same seed.
import { expect, test, type Page } from '@playwright/test';
import { actAfter } from './control';
import { storedRows } from './idb';

const TOTAL = 240;
const EVERY = 80;

async function train(page: Page, name: string) {
  const values = { name, dIn: '16', nFeatures: '64', dSae: '64', k: '4', batchSize: '256', totalSteps: String(TOTAL), checkpointEvery: String(EVERY), lrWarmupSteps: '10' };
  for (const [field, value] of Object.entries(values)) await page.locator(`[name="${field}"]`).fill(value);
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-dashboard')).toContainText(name);
}

/** The run's job status once it has ended, with its error when it failed. */
async function outcome(page: Page, name: string): Promise<string> {
  const run = (await storedRows<{ name: string; jobId: string }>(page, 'runs')).find((r) => r.name === name);
  const job = (await storedRows<{ id: string; status: string; error?: unknown }>(page, 'jobs')).find((j) => j.id === run?.jobId);
  return job?.status === 'failed' ? `failed: ${JSON.stringify(job.error)}` : (job?.status ?? 'none');
}

interface Metric { runId: string; step: number; values: Record<string, number> }

test('a device lost mid-training is re-acquired and the run resumes from its last checkpoint with an unchanged history', async ({ page }) => {
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  await train(page, 'steady');
  await expect.poll(() => outcome(page, 'steady'), { timeout: 120_000 }).toBe('done');

  // The device is destroyed right after the first slice past step EVERY + 1: after a checkpoint, before the next.
  await actAfter(page, 'train', 'step', EVERY + 1, 'lose-device');
  await page.getByRole('link', { name: 'Training' }).click();
  await train(page, 'lost');
  await expect(page.getByTestId('toast').filter({ hasText: 'GPU device lost' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('toast').filter({ hasText: 'GPU device restored' })).toBeVisible({ timeout: 60_000 });
  await expect.poll(() => outcome(page, 'lost'), { timeout: 120_000 }).toBe('done');

  const runs = await storedRows<{ id: string; name: string; status: string; step: number; jobId: string }>(page, 'runs');
  const steady = runs.find((r) => r.name === 'steady')!;
  const lost = runs.find((r) => r.name === 'lost')!;
  expect(lost).toMatchObject({ status: 'done', step: TOTAL });
  const job = (await storedRows<{ id: string; status: string; attempts: number }>(page, 'jobs')).find((j) => j.id === lost.jobId)!;
  expect(job).toMatchObject({ status: 'done', attempts: 2 });

  // Every step once, and the same values as the uninterrupted run (recomputed bit for bit from the checkpoint).
  const metrics = await storedRows<Metric>(page, 'metrics');
  const series = (runId: string) => metrics.filter((m) => m.runId === runId).sort((a, b) => a.step - b.step);
  expect(series(lost.id).map((m) => m.step)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
  const values = (runId: string) => series(runId).map(({ values: { tokensPerSec: _, ...v } }) => v);
  expect(values(lost.id)).toEqual(values(steady.id));

  // One checkpoint per interval, none lost or doubled, and the same weights as the uninterrupted run's.
  const checkpoints = await storedRows<{ runId: string; step: number; sha256: string }>(page, 'checkpoints');
  const of = (runId: string) => checkpoints.filter((c) => c.runId === runId).sort((a, b) => a.step - b.step);
  expect(of(lost.id).map((c) => c.step)).toEqual([EVERY, 2 * EVERY, 3 * EVERY]);
  expect(of(lost.id).map((c) => c.sha256)).toEqual(of(steady.id).map((c) => c.sha256));

  await page.getByRole('link', { name: 'System' }).click();
  await expect(page.getByTestId('device-state')).toHaveText('ready (restored 1×)');
});
