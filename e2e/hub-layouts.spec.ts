// Real Hub layouts end to end: a GPT-2 in Xenova/Optimum's merged-decoder layout and a Llama in
// onnx-community's layout from the local Hub mirror, a dataset tokenized with the models' own
// tokenizer (SAELens prepend_bos), an extraction from each, and a SAELens SAE for the GPT-2
// imported by release name from the mirror; a release that does not exist stores nothing.
import { expect, test, type Page } from '@playwright/test';
import { startHubMirror, type HubMirror } from '../scripts/hub-mirror';
import { randomArray } from '../src/gpu/testing';
import { buildFixtureRepo, FIXTURE_ORG } from '../src/lm/fixtures/repos';
import { exportSaeLens } from '../src/sae/formats/saelens';

const MERGED = `${FIXTURE_ORG}/tiny-gpt2-merged`;
const COMMUNITY = `${FIXTURE_ORG}/tiny-llama`;
const RELEASE = 'lantern-fixtures-tiny-gpt2-res';
const SAE_ID = 'blocks.1.hook_resid_post';
const TEXT = Array.from({ length: 40 }, (_, i) => `Line ${i}: lanterns light the way through the dark forest, one step at a time.`).join('\n');

let mirror: HubMirror;
test.beforeAll(async () => {
  // The fixture release's SAE: SAELens files for the 48-wide tiny GPT-2 at blocks.1.hook_resid_post.
  const dIn = 48;
  const dSae = 96;
  const sae = exportSaeLens(
    { dIn, dSae, W_enc: randomArray(dIn * dSae, 1), W_dec: randomArray(dSae * dIn, 2), b_enc: randomArray(dSae, 3), b_dec: randomArray(dIn, 4) },
    { architecture: 'relu', modelName: MERGED, hookName: SAE_ID, hookLayer: 1 },
  );
  mirror = await startHubMirror({
    repos: {
      [MERGED]: buildFixtureRepo('tiny-gpt2-merged').files,
      [COMMUNITY]: buildFixtureRepo('tiny-llama').files,
      [`${FIXTURE_ORG}/tiny-gpt2-saes`]: new Map<string, Uint8Array>([
        [`${SAE_ID}/cfg.json`, new TextEncoder().encode(sae.cfgJson)],
        [`${SAE_ID}/sae_weights.safetensors`, sae.weights],
      ]),
    },
  });
});
test.afterAll(() => mirror.close());

async function addModel(page: Page, repo: string) {
  await page.getByTestId('model-host').fill(mirror.url);
  await page.getByTestId('model-repo').fill(repo);
  await page.getByTestId('model-list-variants').click();
  await expect(page.getByTestId('model-variants-found')).toContainText('published');
  await page.getByTestId('model-estimate').click();
  await expect(page.getByTestId('model-memory')).toHaveAttribute('data-fits', 'true');
  await page.getByTestId('model-download').click();
  await expect(page.locator(`[data-testid="model-row"][data-repo="${repo}"]`)).toBeVisible({ timeout: 60_000 });
}

async function tokenize(page: Page, repo: string) {
  await page.getByTestId('tokenize-tokenizer').selectOption({ label: `${repo} tokenizer` });
  await page.getByTestId('tokenize-context').fill('16');
  await page.getByTestId('tokenize-prepend-bos').selectOption('true');
  await page.getByTestId('tokenize-submit').click();
  const row = page.getByTestId('tokenization-row').filter({ hasText: `${repo} tokenizer` });
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
}

test('merged-decoder and onnx-community models from the mirror: tokenize with each one\'s tokenizer, extract, import a SAELens SAE by release name', async ({ page }, info) => {
  // 1. Both layouts, each with its memory estimate before the download.
  await page.goto('/models');
  await addModel(page, MERGED);
  await addModel(page, COMMUNITY);
  await page.screenshot({ path: info.outputPath('models.png'), fullPage: true });

  // 2. A dataset, tokenized with each model's own tokenizer.
  await page.goto('/datasets');
  await page.getByTestId('tab-file').click();
  await page.getByTestId('dataset-file').setInputFiles({ name: 'lanterns.txt', mimeType: 'text/plain', buffer: Buffer.from(TEXT) });
  await page.getByTestId('import-txt-split').selectOption('line');
  await page.getByTestId('import-submit').click();
  const ds = page.locator('[data-testid="dataset-row"][data-name="lanterns"]');
  await expect(ds).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await ds.click();
  await tokenize(page, MERGED);
  // The onnx-community Llama ships the same tokenizer files: the tokenization is recognised, not repeated.
  await page.getByTestId('tokenize-tokenizer').selectOption({ label: `${COMMUNITY} tokenizer` });
  await page.getByTestId('tokenize-submit').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Already tokenized' })).toBeVisible();
  await expect(page.getByTestId('tokenization-row')).toHaveCount(1);

  // 3. Extraction from the merged decoder over its own tokenization.
  await page.goto('/extraction');
  const option = (select: string, text: string) => page.locator(`[data-testid="${select}"] option`, { hasText: text }).first().getAttribute('value');
  await page.getByTestId('extract-model').selectOption((await option('extract-model', `${MERGED} (`))!);
  await page.getByTestId('extract-layer').fill('1');
  await page.getByTestId('extract-hook-kind').selectOption('hook_resid_post');
  await page.getByTestId('extract-source').selectOption('tokenization');
  await page.getByTestId('extract-tokenization').selectOption((await option('extract-tokenization', `${MERGED} tokenizer`))!);
  await page.getByTestId('extract-batchSize').fill('4');
  await page.getByTestId('extract-backend').selectOption('wasm');
  await expect(page.getByTestId('model-memory')).toContainText('at batch 4 × context 16');
  await page.getByTestId('extract-start').click();
  const set = page.getByTestId('set-row');
  await expect(set).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await expect(set).toHaveAttribute('data-hook', SAE_ID);
  // The Llama reads the same tokenization (same vocabulary) through its onnx-community graph.
  await page.getByTestId('extract-model').selectOption((await option('extract-model', `${COMMUNITY} (`))!);
  await page.getByTestId('extract-layer').fill('0');
  await page.getByTestId('extract-hook-kind').selectOption('hook_mlp_out');
  await page.getByTestId('extract-start').click();
  await expect(page.getByTestId('set-row')).toHaveCount(2);
  await expect(page.locator('[data-testid="set-row"][data-hook="blocks.0.hook_mlp_out"]')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });

  // 4. The SAE for it, by SAELens release name, checked against the merged model's hook points.
  await page.goto('/library');
  await page.getByTestId('import-release-tab').click();
  await page.getByTestId('hub-host').fill(mirror.url);
  await page.getByTestId('import-model').selectOption({ label: MERGED });
  await page.getByTestId('release-name').fill('gpt2-small-res-jbb');
  await page.getByTestId('release-id').fill('blocks.8.hook_resid_pre');
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-error')).toContainText('No SAELens release is named "gpt2-small-res-jbb"');
  await expect(page.getByTestId('library-row')).toHaveCount(0);

  await page.getByTestId('release-name').fill(RELEASE);
  await page.getByTestId('release-id').selectOption(SAE_ID);
  await page.getByTestId('import-submit').click();
  const row = page.getByTestId('library-row').filter({ hasText: `${RELEASE}/${SAE_ID}` });
  await expect(row).toHaveCount(1);
  await expect(page.getByTestId('import-error')).toHaveCount(0);
  await row.click();
  await expect(page.getByTestId('checkpoint-detail')).toContainText(`release:${RELEASE}/${SAE_ID}`);
  await page.screenshot({ path: info.outputPath('library-release.png'), fullPage: true });
});
