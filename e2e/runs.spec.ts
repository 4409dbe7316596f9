// Runs page: two finished runs are listed with final metrics, overlaid, exported as CSV;
// a run exported as a file, deleted, and imported back comes back whole; a bad file is refused.
import { expect, test, type Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';

async function trainShortRun(page: Page, name: string, steps: number) {
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  const values = { name, dIn: '16', nFeatures: '32', dSae: '32', k: '4', batchSize: '32', totalSteps: String(steps), checkpointEvery: '10' };
  for (const [field, value] of Object.entries(values)) await page.locator(`[name="${field}"]`).fill(value);
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
}

test('runs are compared, exported and re-imported whole', async ({ page }, info) => {
  await trainShortRun(page, 'alpha', 20);
  await trainShortRun(page, 'beta', 30);
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: 'beta' })).toContainText('30 / 30');
  await expect(rows.filter({ hasText: 'alpha' })).toContainText('done');

  await page.getByLabel('Select alpha').check();
  await page.getByLabel('Select beta').check();
  await expect(page.getByTestId('runs-overlay')).toContainText('alpha');
  await expect(page.getByTestId('runs-overlay').locator('canvas')).toBeVisible();

  const csvDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export metrics CSV' }).click();
  const csvPath = info.outputPath('metrics.csv');
  await (await csvDownload).saveAs(csvPath);
  const csv = (await readFile(csvPath, 'utf8')).trim().split('\n');
  expect(csv[0]).toMatch(/^run_id,run_name,step,/);
  expect(csv).toHaveLength(1 + 20 + 30);

  const runDownload = page.waitForEvent('download');
  await rows.filter({ hasText: 'beta' }).getByRole('button', { name: 'Export', exact: true }).click();
  const runPath = info.outputPath('beta.lantern-run.zip');
  await (await runDownload).saveAs(runPath);

  await rows.filter({ hasText: 'beta' }).getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(rows).toHaveCount(1);

  const junk = info.outputPath('junk.zip');
  await writeFile(junk, 'not a zip');
  await page.getByTestId('import-run').setInputFiles(junk);
  await expect(page.getByTestId('run-import-error')).toContainText('Nothing was imported');
  await expect(rows).toHaveCount(1);

  await page.getByTestId('import-run').setInputFiles(runPath);
  await expect(page.getByTestId('toast').filter({ hasText: 'Run imported' })).toBeVisible();
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: 'beta' })).toContainText('30 / 30');
  await rows.filter({ hasText: 'beta' }).getByRole('link', { name: 'beta' }).click();
  await expect(page.getByTestId('run-step')).toContainText('step 30 / 30');
});
