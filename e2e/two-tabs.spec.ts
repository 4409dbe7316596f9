// Two tabs of Lantern: the second shows the job the first one runs without running it (it says the
// queue runs in another tab, and its controls act through the first), and closing the first tab
// hands the queue to the second, which resumes the run from its last checkpoint.
import { expect, test, type Page } from '@playwright/test';
import { storedRows } from './idb';

interface Job { id: string; status: string; attempts: number }

const jobOf = async (page: Page) => (await storedRows<Job>(page, 'jobs'))[0];
const stepOf = async (page: Page) => Math.max(0, ...(await storedRows<{ step: number }>(page, 'metrics')).map((m) => m.step));

test('a second tab observes the running job without running it, and takes the queue over when the first tab closes', async ({ context }) => {
  const first = await context.newPage();
  await first.goto('/training');
  await expect(first.getByTestId('start-training')).toBeEnabled();
  const values = { name: 'two-tabs', dIn: '16', nFeatures: '64', dSae: '64', k: '4', batchSize: '64', totalSteps: '20000', checkpointEvery: '20' };
  for (const [field, value] of Object.entries(values)) await first.locator(`[name="${field}"]`).fill(value);
  await first.getByTestId('start-training').click();
  await expect.poll(() => stepOf(first), { timeout: 60_000 }).toBeGreaterThan(20);

  // 1. The second tab shows the job, says the queue runs elsewhere, and starts nothing itself.
  const second = await context.newPage();
  await second.goto('/jobs');
  await expect(second.getByTestId('queue-elsewhere')).toHaveText('running in another tab');
  await expect(second.getByTestId('active-job')).toContainText('Train two-tabs');
  const row = second.getByTestId('job-row');
  await expect(row).toHaveAttribute('data-status', 'running');

  // 2. Its controls act through the tab that runs the queue: pause, then resume.
  await row.getByRole('button', { name: 'Pause' }).click();
  await expect(row).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });
  await expect(first.getByTestId('toast').filter({ hasText: 'Paused: Train two-tabs' })).toBeVisible();
  await row.getByRole('button', { name: 'Resume' }).click();
  await expect(row).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  const beforeClose = await stepOf(second);
  await expect.poll(() => stepOf(second), { timeout: 60_000 }).toBeGreaterThan(beforeClose + 5);
  expect(await jobOf(second)).toMatchObject({ status: 'running', attempts: 2 });
  await expect(second.getByTestId('toast').filter({ hasText: /Started|Resumed/ })).toHaveCount(0);

  // 3. Closing the first tab hands the queue to the second, which resumes the run.
  await first.close();
  await expect(second.getByTestId('toast').filter({ hasText: 'This tab now runs the job queue' })).toBeVisible({ timeout: 60_000 });
  await expect(second.getByTestId('toast').filter({ hasText: 'Resumed: Train two-tabs' })).toBeVisible({ timeout: 60_000 });
  await expect(second.getByTestId('queue-elsewhere')).toHaveCount(0);
  const handedOver = await stepOf(second);
  await expect.poll(() => stepOf(second), { timeout: 60_000 }).toBeGreaterThan(handedOver + 5);
  await row.getByRole('button', { name: 'Stop' }).click();
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 60_000 });

  // 4. Ran by one queue at a time: three attempts (start, resume, hand-over), every step stored once, one checkpoint per interval.
  expect(await jobOf(second)).toMatchObject({ status: 'done', attempts: 3 });
  const steps = (await storedRows<{ step: number }>(second, 'metrics')).map((m) => m.step).sort((a, b) => a - b);
  expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
  const checkpoints = (await storedRows<{ step: number }>(second, 'checkpoints')).map((c) => c.step);
  expect(new Set(checkpoints).size).toBe(checkpoints.length);
});
