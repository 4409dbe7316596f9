// Training on a language model's activations: the GPT-2 fixture from the local Hub mirror,
// activations extracted from pasted text, then a TopK SAE trained on that activation set from
// the Training page (d_in follows the set's width; the run's metrics and checkpoints land).
import { expect, test } from '@playwright/test';
import { startHubMirror, type HubMirror } from '../scripts/hub-mirror';
import { buildFixtureRepo, FIXTURE_ORG } from '../src/lm/fixtures/repos';
import { storedRows } from './idb';
import { fillExtraction } from './extract';
import { addHubModel } from './models';

const GPT2 = `${FIXTURE_ORG}/tiny-gpt2`;
let mirror: HubMirror;
test.beforeAll(async () => {
  mirror = await startHubMirror({ repos: { [GPT2]: buildFixtureRepo('tiny-gpt2').files } });
});
test.afterAll(() => mirror.close());

test('a TopK SAE trains on a fixture model’s activation set', async ({ page }) => {
  await addHubModel(page, mirror.url, GPT2);

  await page.getByRole('link', { name: 'Extraction' }).click();
  await fillExtraction(page, { text: 'The quick brown fox jumps over the lazy dog, again and again. '.repeat(12), layer: 1, hookKind: 'hook_resid_post', contextSize: 16, batchSize: 4, backend: 'wasm' });
  await page.getByTestId('extract-start').click();
  await expect(page.getByTestId('set-row')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });

  await page.getByRole('link', { name: 'Training' }).click();
  await page.locator('[name="sourceType"]').selectOption('activations');
  const set = page.locator('[name="setId"]');
  await expect(set.locator('option')).toHaveCount(2);
  await set.selectOption({ index: 1 });
  for (const [name, value] of Object.entries({ name: 'gpt2-l1-topk', dSae: '96', k: '8', batchSize: '32', totalSteps: '60', checkpointEvery: '20' })) {
    await page.locator(`[name="${name}"]`).fill(value);
  }
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('run-step')).toContainText('step 60 / 60');
  await page.getByTestId('run-config').click();
  await expect(page.getByTestId('run-config')).toContainText('dIn');
  await expect(page.getByTestId('run-config')).toContainText('48');
  await expect(page.getByTestId('run-config')).toContainText('activation set lantern-fixtures/tiny-gpt2 · blocks.1.hook_resid_post');
  const loss = Number(await page.getByTestId('stat-loss').textContent());
  expect(Number.isFinite(loss) && loss > 0).toBe(true);
});

test('a TopK SAE trains on live extraction from the model, nothing stored', async ({ page }) => {
  await addHubModel(page, mirror.url, GPT2);

  await page.getByRole('link', { name: 'Training' }).click();
  await page.locator('[name="sourceType"]').selectOption('live');
  await page.locator('[name="liveModelId"]').selectOption({ index: 1 });
  await page.locator('[name="liveHook"]').selectOption('blocks.0.hook_resid_post');
  await page.locator('[name="liveText"]').fill('Lanterns glow in the evening while the river runs past the old mill. '.repeat(10));
  for (const [name, value] of Object.entries({ liveContextSize: '16', liveContexts: '4', name: 'gpt2-live', dSae: '96', k: '8', batchSize: '32', totalSteps: '40', checkpointEvery: '20' })) {
    await page.locator(`[name="${name}"]`).fill(value);
  }
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 180_000 });
  await expect(page.getByTestId('run-step')).toContainText('step 40 / 40');
  await page.getByTestId('run-config').click();
  await expect(page.getByTestId('run-config')).toContainText('live extraction from lantern-fixtures/tiny-gpt2 (fp32) · blocks.0.hook_resid_post');
  const loss = Number(await page.getByTestId('stat-loss').textContent());
  expect(Number.isFinite(loss) && loss > 0).toBe(true);
  const stored = (await storedRows(page, 'activationChunks')).length;
  expect(stored).toBe(0);
});
