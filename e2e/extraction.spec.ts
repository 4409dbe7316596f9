// Extraction end to end: the GPT-2 fixture from the local Hub mirror, activations extracted from
// pasted text listed with their shape, a reload mid-extraction resumed with every chunk exactly
// once, a layer out of range refused, and WebGPU hook values checked against the TS reference.
import { expect, test, type Page } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { startHubMirror, type HubMirror } from '../scripts/hub-mirror';
import { buildFixtureRepo, FIXTURE_ORG } from '../src/lm/fixtures/repos';
import { referenceForward } from '../src/lm/reference/forward';
import { loadTokenizer } from '../src/lm/tokenizer';
import { decodeActivationChunk } from '../src/storage/activations';
import { storedRows } from './idb';
import { fillExtraction } from './extract';
import { addHubModel } from './models';

const GPT2 = `${FIXTURE_ORG}/tiny-gpt2`;
const fixture = buildFixtureRepo('tiny-gpt2');
const json = (path: string) => JSON.parse(new TextDecoder().decode(fixture.files.get(path))) as object;
const tokenizer = loadTokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
const TEXT = 'Lanterns light the way through the dark forest, one step at a time. ';

let mirror: HubMirror;
test.beforeAll(async () => {
  mirror = await startHubMirror({ repos: { [GPT2]: fixture.files } });
});
test.afterAll(() => mirror.close());

async function addModel(page: Page) {
  await addHubModel(page, mirror.url, GPT2);
  await page.getByRole('link', { name: 'Extraction' }).click();
}

/** Every stored chunk row of the activation sets, raw, straight from IndexedDB. */
function storedChunks(page: Page): Promise<{ index: number; bytes: number[] }[]> {
  return storedRows(page, 'activationChunks');
}

test('extracts pasted text on WASM and lists the activation set with its shape; a layer out of range is refused', async ({ page }) => {
  await addModel(page);
  const text = TEXT.repeat(4);
  const nTok = tokenizer.encode(text).length;
  const ctx = 16;
  await fillExtraction(page, { text, layer: 5, hookKind: 'hook_resid_post', contextSize: ctx, batchSize: 4, backend: 'wasm' });
  await page.getByTestId('extract-start').click();
  await expect(page.getByTestId('extract-form')).toContainText('Layer 5 is out of range: the model has 2 layers (0–1)');
  await expect(page.getByTestId('set-row')).toHaveCount(0);

  await page.getByTestId('extract-layer').fill('1');
  await page.getByTestId('extract-start').click();
  const row = page.getByTestId('set-row');
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await expect(row).toHaveAttribute('data-hook', 'blocks.1.hook_resid_post');
  await expect(page.getByTestId('set-shape')).toHaveText(`[${Math.floor(nTok / ctx) * ctx}, 48]`);
  expect((await storedChunks(page)).length).toBe(Math.ceil(Math.floor(nTok / ctx) / 4));
});

test('a reload mid-extraction resumes it, and every chunk is stored exactly once', async ({ page }) => {
  await addModel(page);
  const text = TEXT.repeat(60);
  const ctx = 8;
  const nSeq = Math.floor(tokenizer.encode(text).length / ctx);
  await fillExtraction(page, { text, layer: 0, hookKind: 'hook_mlp_out', contextSize: ctx, batchSize: 1, backend: 'wasm' });
  await page.getByTestId('extract-start').click();
  const row = page.getByTestId('set-row');
  await expect(row).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await expect.poll(async () => (await storedChunks(page)).length, { timeout: 60_000 }).toBeGreaterThan(3);
  const before = (await storedChunks(page)).length;
  expect(before).toBeLessThan(nSeq);
  await page.reload();
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 170_000 });
  await expect(page.getByTestId('set-shape')).toHaveText(`[${(nSeq * ctx).toLocaleString('en-US')}, 48]`);
  const chunks = await storedChunks(page);
  expect(chunks.map((c) => c.index).sort((a, b) => a - b)).toEqual([...Array(nSeq).keys()]);
  // Each chunk holds the context its index says: the sequences recorded run 0..nSeq−1 once each.
  const sequences = chunks.flatMap((c) => Array.from(decodeActivationChunk(new Uint8Array(c.bytes).buffer).sequences!.filter((_, i) => i % ctx === 0)));
  expect(sequences.sort((a, b) => a - b)).toEqual([...Array(nSeq).keys()]);
});

test('on WebGPU in Chromium the hooked model matches the TypeScript reference forward pass within 1e-4', async ({ page }) => {
  test.slow();
  await addModel(page);
  const text = 'Hello, lantern!';
  const ids = tokenizer.encode(text);
  await fillExtraction(page, { text, layer: 1, hookKind: 'hook_resid_mid', contextSize: ids.length, batchSize: 1, backend: 'auto' });
  await page.getByTestId('extract-start').click();
  // Shader compilation is a visible state of its own while the session warms up.
  await expect(page.getByTestId('extract-preparing')).toContainText('Compiling WebGPU shaders', { timeout: 120_000 });
  const row = page.getByTestId('set-row');
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 300_000 });
  await expect(row).toContainText('WebGPU');
  const [stored] = await storedChunks(page);
  const chunk = decodeActivationChunk(new Uint8Array(stored.bytes).buffer);
  expect(Array.from(chunk.tokenIds)).toEqual(ids);
  const ref = referenceForward(fixture.spec, fixture.weights, Int32Array.from(ids)).hooks['blocks.1.hook_resid_mid'];
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(chunk.activations[i] - ref[i]));
  expect(worst).toBeLessThan(1e-4);
});

test('extraction templates: save the form, change it, load it back (pasted text is not part of a template)', async ({ page }) => {
  await addModel(page);
  await fillExtraction(page, { text: 'kept out of templates', layer: 1, hookKind: 'hook_attn_out', contextSize: 24, batchSize: 3, backend: 'wasm' });
  const panel = page.getByTestId('templates');
  await panel.getByLabel('Template name').fill('attn layer 1');
  await panel.getByRole('button', { name: 'Save' }).click();
  await expect(panel.getByRole('button', { name: 'attn layer 1' })).toBeVisible();
  await fillExtraction(page, { text: 'changed', layer: 0, hookKind: 'hook_resid_pre', contextSize: 8, batchSize: 1, backend: 'auto' });
  await panel.getByRole('button', { name: 'attn layer 1' }).click();
  await expect(page.getByTestId('extract-layer')).toHaveValue('1');
  await expect(page.getByTestId('extract-hook-kind')).toHaveValue('hook_attn_out');
  await expect(page.getByTestId('extract-contextSize')).toHaveValue('24');
  await expect(page.getByTestId('extract-batchSize')).toHaveValue('3');
  await expect(page.getByTestId('extract-backend')).toHaveValue('wasm');
  await expect(page.getByTestId('extract-text')).toHaveValue('changed');
});

test('a downloaded model extracts with the Hub gone: its files come from the browser cache', async ({ page }) => {
  const own = await startHubMirror({ repos: { [GPT2]: fixture.files } });
  await addHubModel(page, own.url, GPT2);
  await own.close();
  await page.getByRole('link', { name: 'Extraction' }).click();
  await fillExtraction(page, { text: TEXT, layer: 0, hookKind: 'hook_resid_pre', contextSize: 8, batchSize: 2, backend: 'wasm' });
  await page.getByTestId('extract-start').click();
  await expect(page.getByTestId('set-row')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
});

test('extracts from a dataset tokenized with the model\'s tokenizer.json: every packed token gets an activation row', async ({ page }, info) => {
  await addModel(page);
  await page.getByRole('link', { name: 'Datasets' }).click();
  const lines = Array.from({ length: 40 }, (_, i) => `Document ${i}: lanterns, forests and the number ${i * 7}.`).join('\n');
  await page.getByTestId('tab-file').click();
  await page.getByTestId('dataset-file').setInputFiles({ name: 'lines.txt', mimeType: 'text/plain', buffer: Buffer.from(lines) });
  await expect(page.getByTestId('import-name')).not.toHaveValue('');
  await page.getByTestId('import-txt-split').selectOption('line');
  await page.getByTestId('import-submit').click();
  await expect(page.locator('[data-testid="dataset-row"][data-name="lines"]')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  const tokenizerPath = info.outputPath('tokenizer.json');
  await writeFile(tokenizerPath, new TextDecoder().decode(fixture.files.get('tokenizer.json')));
  await page.getByTestId('tokenize-context').fill('16');
  await page.getByTestId('tokenize-tokenizer').selectOption('file');
  await page.getByTestId('tokenizer-file').setInputFiles(tokenizerPath);
  const configPath = info.outputPath('tokenizer_config.json');
  await writeFile(configPath, new TextDecoder().decode(fixture.files.get('tokenizer_config.json')));
  await page.getByTestId('tokenizer-config-file').setInputFiles(configPath);
  await page.getByTestId('tokenize-submit').click();
  const tokRow = page.getByTestId('tokenization-row').filter({ hasText: 'tokenizer.json' });
  await expect(tokRow).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  const packed = (await tokRow.getByTestId('tok-tokens').innerText()).trim();

  await page.getByRole('link', { name: 'Extraction' }).click();
  await page.getByTestId('extract-source').selectOption('tokenization');
  await page.getByTestId('extract-tokenization').selectOption({ index: 1 });
  await page.getByTestId('extract-layer').fill('1');
  await page.getByTestId('extract-batchSize').fill('4');
  await page.getByTestId('extract-backend').selectOption('wasm');
  await page.getByTestId('extract-start').click();
  const row = page.getByTestId('set-row');
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await expect(row).toContainText('Dataset · lines');
  await expect(page.getByTestId('set-shape')).toHaveText(`[${packed}, 48]`);
});
