// Hook points on WebGPU in Chromium, for both families and their fused (ORT-optimised) forms:
// each fixture is added from the local Hub mirror, activations are extracted on the WebGPU
// execution provider, and the stored values match the TypeScript reference forward pass.
// Tolerance: 1e-4 for GPT-2. Llama computes its rotary cos/sin inside the graph, and WGSL only
// guarantees sin/cos to 2^-11 (≈ 4.9e-4) absolute, so its bound is that; on WASM the unit tests
// hold every family to 1e-4.
import { expect, test } from '@playwright/test';
import { startHubMirror, type HubMirror } from '../scripts/hub-mirror';
import { buildFixtureRepo, FIXTURE_ORG } from '../src/lm/fixtures/repos';
import { referenceForward } from '../src/lm/reference/forward';
import { loadTokenizer } from '../src/lm/tokenizer';
import { decodeActivationChunk } from '../src/storage/activations';
import { storedRows } from './idb';

const WGSL_TRIG = 2 ** -11;
const CASES: [name: string, hookKind: string, layer: number, atol: number][] = [
  ['tiny-gpt2', 'hook_mlp_out', 0, 1e-4],
  ['tiny-gpt2-fused', 'hook_resid_post', 1, 1e-4],
  ['tiny-llama', 'hook_attn_out', 1, WGSL_TRIG],
  ['tiny-llama-fused', 'hook_resid_pre', 1, WGSL_TRIG],
];
const fixtures = Object.fromEntries(CASES.map(([name]) => [name, buildFixtureRepo(name)]));

let mirror: HubMirror;
test.beforeAll(async () => {
  mirror = await startHubMirror({ repos: Object.fromEntries(CASES.map(([name]) => [`${FIXTURE_ORG}/${name}`, fixtures[name].files])) });
});
test.afterAll(() => mirror.close());

for (const [name, hookKind, layer, atol] of CASES) {
  test(`${name}: blocks.${layer}.${hookKind} on WebGPU matches the reference within ${atol.toPrecision(2)}`, async ({ page }) => {
    test.slow();
    const fixture = fixtures[name];
    const json = (path: string) => JSON.parse(new TextDecoder().decode(fixture.files.get(path))) as object;
    const ids = loadTokenizer(json('tokenizer.json'), json('tokenizer_config.json')).encode('Steer the lantern, gently.');
    await page.goto('/models');
    await page.getByTestId('model-host').fill(mirror.url);
    await page.getByTestId('model-repo').fill(`${FIXTURE_ORG}/${name}`);
    await page.getByTestId('model-download').click();
    await expect(page.locator(`[data-testid="model-row"][data-repo="${FIXTURE_ORG}/${name}"]`)).toBeVisible();
    await page.getByRole('link', { name: 'Extraction' }).click();
    await page.getByTestId('extract-text').fill('Steer the lantern, gently.');
    await page.getByTestId('extract-layer').fill(String(layer));
    await page.getByTestId('extract-hook-kind').selectOption(hookKind);
    await page.getByTestId('extract-contextSize').fill(String(ids.length));
    await page.getByTestId('extract-batchSize').fill('1');
    await page.getByTestId('extract-backend').selectOption('auto');
    await page.getByTestId('extract-start').click();
    const row = page.getByTestId('set-row');
    await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 300_000 });
    await expect(row).toContainText('WebGPU');
    const [{ bytes }] = await storedRows<{ bytes: number[] }>(page, 'activationChunks');
    const chunk = decodeActivationChunk(new Uint8Array(bytes).buffer);
    expect(Array.from(chunk.tokenIds)).toEqual(ids);
    const ref = referenceForward(fixture.spec, fixture.weights, Int32Array.from(ids)).hooks[`blocks.${layer}.${hookKind}`];
    expect(chunk.activations.length).toBe(ref.length);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(chunk.activations[i] - ref[i]));
    expect(worst).toBeLessThan(atol);
  });
}
