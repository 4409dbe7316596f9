// Training studio: configure a TopK run on the synthetic source, start it, watch the charts
// move, pause, resume, reload mid-run (it resumes by itself from its checkpoint; steps and
// curves continue without a gap or duplicate), and invalid fields are refused.
import { expect, test, type Page } from '@playwright/test';

async function fill(page: Page, values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) await page.locator(`[name="${name}"]`).fill(value);
}

const stepOf = async (page: Page) => Number((await page.getByTestId('run-step').textContent())!.match(/step (\d+)/)![1]);

test('invalid fields are refused with a message that says what is allowed', async ({ page }) => {
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  await fill(page, { k: '9999', lr: '-1', name: '' });
  await page.getByTestId('start-training').click();
  const form = page.getByTestId('train-form');
  await expect(form).toContainText('must be ≤ dSae (512)');
  await expect(form).toContainText('lr: must be > 0');
  await expect(page.getByTestId('run-list')).toContainText('No runs yet.');
});

test('a TopK run on the synthetic source trains live, pauses, resumes and survives a reload', async ({ page }) => {
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  await fill(page, { name: 'e2e-topk', dIn: '16', nFeatures: '64', dSae: '64', k: '4', batchSize: '64', totalSteps: '400', checkpointEvery: '20' });
  await page.getByTestId('start-training').click();

  const dash = page.getByTestId('run-dashboard');
  await expect(dash).toContainText('e2e-topk');
  await expect(page.getByTestId('run-status')).toHaveText('running');
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(5);
  await expect(page.getByTestId('chart-loss').locator('canvas')).toBeVisible();
  const loss1 = await page.getByTestId('stat-loss').textContent();
  await expect.poll(() => page.getByTestId('stat-loss').textContent(), { timeout: 60_000 }).not.toBe(loss1);

  await dash.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('paused', { timeout: 60_000 });
  const pausedAt = await stepOf(page);
  await page.waitForTimeout(1500);
  expect(await stepOf(page)).toBe(pausedAt);
  await dash.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('running');
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(pausedAt + 20);

  await page.reload();
  await expect(page.getByTestId('toast').filter({ hasText: 'Resumed: Train e2e-topk' })).toBeVisible({ timeout: 60_000 });
  const afterReload = await stepOf(page);
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(afterReload + 5);

  // The stored history is one row per step from 1 to the current step: no gap, no duplicate.
  const { steps, unique } = await page.evaluate(async () => {
    const open = indexedDB.open('lantern');
    const db: IDBDatabase = await new Promise((res, rej) => ((open.onsuccess = () => res(open.result)), (open.onerror = () => rej(open.error))));
    const rows: { step: number }[] = await new Promise((res) => {
      const req = db.transaction('metrics').objectStore('metrics').getAll();
      req.onsuccess = () => res(req.result);
    });
    db.close();
    const s = rows.map((r) => r.step);
    return { steps: s, unique: new Set(s).size };
  });
  expect(unique).toBe(steps.length);
  expect(Math.min(...steps)).toBe(1);
  expect(Math.max(...steps)).toBe(steps.length);
  await dash.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 60_000 });
});
