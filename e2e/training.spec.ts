// Training studio: configure a TopK run on the synthetic source, start it, watch the charts
// move, pause, resume, reload mid-run (it resumes by itself from its checkpoint; steps and
// curves continue without a gap or duplicate), invalid fields are refused, and "SAELens defaults"
// reach the stored run config.
import { expect, test, type Page } from '@playwright/test';
import { storedRows } from './idb';

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
  await expect(form).toContainText('k (active per token) must be ≤ d_sae (512), got 9999.');
  await expect(form).toContainText('Learning rate must be > 0, got -1.');
  await expect(form).not.toContainText('lr:');
  await expect(page.getByTestId('run-list')).toContainText('No runs yet.');
});

test('a TopK run on the synthetic source trains live, pauses, resumes and survives a reload', async ({ page }) => {
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  await fill(page, { name: 'e2e-topk', dIn: '16', nFeatures: '64', dSae: '64', k: '4', batchSize: '64', totalSteps: '20000', checkpointEvery: '20' });
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
  const steps = (await storedRows<{ step: number }>(page, 'metrics')).map((r) => r.step);
  const unique = new Set(steps).size;
  expect(unique).toBe(steps.length);
  expect(Math.min(...steps)).toBe(1);
  expect(Math.max(...steps)).toBe(steps.length);
  await dash.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 60_000 });
});

test('"SAELens defaults" switch the dead-feature window to steps and reach the stored run config', async ({ page }) => {
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  await page.locator('[name="conventions"]').selectOption('saelens');
  const form = page.getByTestId('train-form');
  await expect(form).toContainText('gradients clipped to a global norm of 1.0 before Adam');
  await expect(form.getByText('Dead-feature window (steps)')).toBeVisible();
  await expect(page.locator('[name="deadFeatureWindow"]')).toHaveValue('1000');
  await fill(page, { name: 'e2e-saelens', dIn: '16', nFeatures: '64', dSae: '64', k: '4', batchSize: '64', totalSteps: '30', checkpointEvery: '10' });
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  const run = (await storedRows<{ name: string; config: Record<string, unknown> }>(page, 'runs')).find((r) => r.name === 'e2e-saelens');
  expect(run?.config).toMatchObject({ conventions: 'saelens', gradClipNorm: 1, auxCoefficient: 1, beta1: 0, deadFeatureWindow: 1000, deadFeatureWindowUnit: 'steps' });
});

test('training templates: save, load, duplicate, favourite, search, export and a bad import', async ({ page }, info) => {
  await page.goto('/training');
  const panel = page.getByTestId('templates');
  await fill(page, { dSae: '96', k: '6' });
  await panel.getByLabel('Template name').fill('Wide TopK');
  await panel.getByRole('button', { name: 'Save' }).click();
  await expect(panel.getByTestId('template-row')).toHaveCount(1);

  await panel.getByTitle('Duplicate').click();
  await expect(panel.getByTestId('template-row').filter({ hasText: 'Wide TopK (copy)' })).toBeVisible();
  await panel.getByTestId('template-row').filter({ hasText: '(copy)' }).getByLabel('Favourite').click();
  await expect(panel.getByTestId('template-row').first()).toContainText('(copy)');
  await panel.getByLabel('Search templates').fill('copy');
  await expect(panel.getByTestId('template-row')).toHaveCount(1);
  await panel.getByLabel('Search templates').fill('');

  await fill(page, { dSae: '512', k: '8' });
  await panel.getByTestId('template-row').filter({ hasText: /^★Wide TopK⧉/ }).getByTitle('Load into the form').click();
  await expect(page.locator('[name="dSae"]')).toHaveValue('96');
  await expect(page.locator('[name="k"]')).toHaveValue('6');

  const download = page.waitForEvent('download');
  await panel.getByTestId('template-row').first().getByTitle('Export as JSON').click();
  const path = info.outputPath('t.json');
  await (await download).saveAs(path);
  const { readFile, writeFile } = await import('node:fs/promises');
  const json = JSON.parse(await readFile(path, 'utf8'));
  expect(json).toMatchObject({ format: 'lantern-template/1', kind: 'training', body: { dSae: 96, k: 6 } });
  json.body.lr = 'fast';
  const bad = info.outputPath('bad.json');
  await writeFile(bad, JSON.stringify(json));
  await panel.getByTestId('import-template').setInputFiles(bad);
  await expect(panel.getByTestId('template-error')).toContainText('Field "lr" must be a number');
  await expect(panel.getByTestId('template-row')).toHaveCount(2);
});
