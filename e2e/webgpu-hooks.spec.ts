// Hook points on WebGPU in Chromium, for both families, their fused (ORT-optimised) forms and an
// Optimum merged decoder (reduced to its with-cache branch).
// 1. The app path, once: tiny-gpt2 is added from the local Hub mirror, one hook is extracted on the
//    WebGPU execution provider, and the stored activations match the TypeScript reference.
// 2. Every hook point of every fixture at once, through a harness page running the same LM modules:
//    one WebGPU session per model exposes all hooks (and steers three), and every value matches the
//    reference forward pass within 1e-4; steer = 0 leaves the unmodified model's WebGPU logits
//    bit-identical, and a nonzero steer matches the reference's steered logits within 1e-4.
// 3. Clamp steering with TopK and JumpReLU SAEs on WebGPU (TopK, comparisons and gathers in the
//    graph) equals the reference with the SAE's own activation, not ReLU of the pre-activation.
import { expect, test, type Page } from '@playwright/test';
import { startHarnessServer, type HarnessServer } from '../scripts/chromium';
import { startHubMirror, type HubMirror } from '../scripts/hub-mirror';
import { encodeReference, encoderRule } from '../src/features/encoder';
import { listHooks } from '../src/lm/hooks';
import { seededRandom } from '../src/lm/random';
import { buildFixtureRepo, FIXTURE_ORG } from '../src/lm/fixtures/repos';
import { referenceForward } from '../src/lm/reference/forward';
import { loadTokenizer } from '../src/lm/tokenizer';
import type { SteeringSetup } from '../src/lm/steering';
import type { SaeWeights } from '../src/sae/types';
import { tiedUnitSae } from '../src/sae/weights.testing';
import { decodeActivationChunk } from '../src/storage/activations';
import type { HarnessModel, LmHarness } from './harness/hooks';
import { storedRows } from './idb';
import { fillExtraction } from './extract';
import { addHubModel } from './models';

const ATOL = 1e-4;
const MODELS = ['tiny-gpt2', 'tiny-gpt2-fused', 'tiny-llama', 'tiny-llama-fused', 'tiny-llama-merged'];
const fixtures = Object.fromEntries(MODELS.map((name) => [name, buildFixtureRepo(name)]));
const json = (name: string, path: string) => JSON.parse(new TextDecoder().decode(fixtures[name].files.get(path))) as Record<string, unknown>;

/** Largest |a[i] − b[i]|, after checking the lengths agree. */
function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

test.describe('app path', () => {
  let mirror: HubMirror;
  test.beforeAll(async () => {
    mirror = await startHubMirror({ repos: { [`${FIXTURE_ORG}/tiny-gpt2`]: fixtures['tiny-gpt2'].files } });
  });
  test.afterAll(() => mirror.close());

  test('tiny-gpt2: extracting blocks.0.hook_mlp_out on WebGPU stores the reference values within 1e-4', async ({ page }) => {
    test.slow();
    const name = 'tiny-gpt2';
    const layer = 0;
    const hookKind = 'hook_mlp_out';
    const fixture = fixtures[name];
    const ids = loadTokenizer(json(name, 'tokenizer.json'), json(name, 'tokenizer_config.json')).encode('Steer the lantern, gently.');
    await addHubModel(page, mirror.url, `${FIXTURE_ORG}/${name}`);
    await page.getByRole('link', { name: 'Extraction' }).click();
    await fillExtraction(page, { text: 'Steer the lantern, gently.', layer, hookKind, contextSize: ids.length, batchSize: 1, backend: 'auto' });
    await page.getByTestId('extract-start').click();
    const row = page.getByTestId('set-row');
    await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 300_000 });
    await expect(row).toContainText('WebGPU');
    const [{ bytes }] = await storedRows<{ bytes: number[] }>(page, 'activationChunks');
    const chunk = decodeActivationChunk(new Uint8Array(bytes).buffer);
    expect(Array.from(chunk.tokenIds)).toEqual(ids);
    const ref = referenceForward(fixture.spec, fixture.weights, Int32Array.from(ids)).hooks[`blocks.${layer}.${hookKind}`];
    expect(worstDiff(chunk.activations, ref)).toBeLessThan(ATOL);
  });
});

test.describe('every hook point', () => {
  const SEQS = [
    [3, 104, 101, 108, 108, 111, 32, 119, 111],
    [276, 65, 66, 67, 260, 270, 271, 120, 121],
  ];
  const STEER_HOOKS = ['blocks.0.hook_resid_post', 'blocks.1.hook_attn_out', 'blocks.1.hook_resid_mid'];
  let server: HarnessServer;
  /** One page for every model: ORT and its WASM load once. */
  let page: Page;
  test.beforeAll(async ({ browser }) => {
    server = await startHarnessServer(['e2e/harness/hooks.html']);
    page = await browser.newPage();
    await page.goto(`${server.url}/e2e/harness/hooks.html`);
    await page.waitForFunction(() => 'lmHarness' in window);
  });
  test.afterAll(async () => {
    await page.close();
    await server.close();
  });

  for (const name of MODELS) {
    test(`${name}: every hook and steering on WebGPU match the reference within 1e-4`, async () => {
      test.slow();
      const { spec, weights, files } = fixtures[name];
      const d = spec.dModel;
      const onnx = files.get('onnx/model.onnx') ?? files.get('onnx/decoder_model_merged.onnx')!;
      const model: HarnessModel = { onnx: Buffer.from(onnx).toString('base64'), config: json(name, 'config.json') };
      const hooks = listHooks(spec.nLayers);
      const rand = seededRandom(7);
      const vectors = Object.fromEntries(STEER_HOOKS.map((h) => [h, Float32Array.from({ length: d }, () => 2 * rand() - 1)]));
      const zeroFeeds = Object.fromEntries(STEER_HOOKS.map((h) => [`steer.${h}`, new Array<number>(d).fill(0)]));
      const steerFeeds = Object.fromEntries(STEER_HOOKS.map((h) => [`steer.${h}`, Array.from(vectors[h])]));
      expect(await page.evaluate(() => window.lmHarness.adapter())).not.toBe('');
      const run = (...args: Parameters<LmHarness['run']>) => page.evaluate((a) => window.lmHarness.run(...a), args);
      const ids = SEQS.flat();
      const plain = await run(model, {}, ['webgpu'], ids, SEQS.length, [{}]);
      const hooked = await run(model, { expose: hooks, steer: STEER_HOOKS }, ['webgpu'], ids, SEQS.length, [zeroFeeds, steerFeeds]);
      expect(plain.backend).toBe('webgpu');
      expect(hooked.backend).toBe('webgpu');
      const [zero, steered] = hooked.runs;
      expect(zero.logits).toEqual(plain.runs[0].logits);
      const seq = SEQS[0].length;
      const rowOf = (data: number[], r: number, width: number) => data.slice(r * width, (r + 1) * width);
      for (let r = 0; r < SEQS.length; r++) {
        const ref = referenceForward(spec, weights, SEQS[r]);
        for (const h of hooks) expect(worstDiff(rowOf(zero[h], r, seq * d), ref.hooks[h]), h).toBeLessThan(ATOL);
        expect(worstDiff(rowOf(zero.logits, r, seq * spec.vocabSize), ref.logits), 'logits').toBeLessThan(ATOL);
        const refSteered = referenceForward(spec, weights, SEQS[r], { steer: vectors });
        const steeredRow = rowOf(steered.logits, r, seq * spec.vocabSize);
        expect(worstDiff(steeredRow, refSteered.logits), 'steered logits').toBeLessThan(ATOL);
        expect(worstDiff(steeredRow, ref.logits), 'steering moves the logits').toBeGreaterThan(1e-2);
      }
    });
  }

  for (const name of ['tiny-gpt2', 'tiny-llama-fused']) {
    test(`${name}: TopK and JumpReLU clamps on WebGPU read the SAE's own activation, as the reference does`, async () => {
      test.slow();
      const { spec, weights, files } = fixtures[name];
      const model: HarnessModel = { onnx: Buffer.from(files.get('onnx/model.onnx')!).toString('base64'), config: json(name, 'config.json') };
      const hook = 'blocks.1.hook_resid_pre';
      const ids = SEQS[0];
      const [n, d, dSae, value] = [ids.length, spec.dModel, 12, 2.5];
      const x = referenceForward(spec, weights, ids).hooks[hook];
      const base = tiedUnitSae(d, dSae, 60);
      const relu = encodeReference(base, { kind: 'relu' }, x, n);
      // JumpReLU's θ: the median positive activation, so latents cross it.
      const positive = relu.filter((v) => v > 0).sort();
      const saes: { arch: 'topk' | 'jumprelu'; k?: number; sae: SaeWeights }[] = [
        { arch: 'topk', k: 3, sae: base },
        { arch: 'jumprelu', sae: { ...base, threshold: new Float32Array(dSae).fill(positive[positive.length >> 1]) } },
      ];
      for (const { arch, k, sae } of saes) {
        const acts = encodeReference(sae, encoderRule(arch, sae, k), x, n);
        const at = (a: Float32Array, l: number) => Array.from({ length: n }, (_, i) => a[i * dSae + l]);
        // A latent the SAE keeps at some positions and leaves off at others where ReLU would count it.
        const latent = Array.from({ length: dSae }, (_, l) => l).find((l) => at(acts, l).some((v) => v > 0) && at(acts, l).some((v, i) => v === 0 && at(relu, l)[i] > 1e-3));
        expect(latent, arch).toBeDefined();
        const splice = (a: Float32Array) => Float32Array.from(x, (v, e) => v + (value - a[Math.floor(e / d) * dSae + latent!]) * sae.W_dec[latent! * d + (e % d)]);
        const expected = referenceForward(spec, weights, ids, { splice: { [hook]: splice(acts) } }).logits;
        const byRelu = referenceForward(spec, weights, ids, { splice: { [hook]: splice(relu) } }).logits;
        const setup: SteeringSetup = { multiplier: 1, latents: [{ latent: latent!, strength: value, method: 'clamp' }] };
        const plain = { dIn: d, dSae, W_enc: Array.from(sae.W_enc), W_dec: Array.from(sae.W_dec), b_enc: Array.from(sae.b_enc), b_dec: Array.from(sae.b_dec), threshold: sae.threshold && Array.from(sae.threshold) };
        const got = await page.evaluate((a) => window.lmHarness.steer(...a), [model, hook, setup, plain, arch, k, ['webgpu'], ids] as Parameters<LmHarness['steer']>);
        expect(got.backend).toBe('webgpu');
        expect(worstDiff(got.logits, expected), `${arch} clamp`).toBeLessThan(ATOL);
        expect(worstDiff(got.logits, byRelu), `${arch} differs from ReLU`).toBeGreaterThan(1e-3);
      }
    });
  }
});
