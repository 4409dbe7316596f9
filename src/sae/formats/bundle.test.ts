// Tests for SAE folders as files: the SAELens zip read back by a reference reader (exact header,
// dtypes, shapes, cfg keys), recognition of SAELens / sparsify file sets, and refusals.
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { randomArray } from '@/gpu/testing';
import { resolveConfig } from '../config';
import { initialState } from '../state';
import { checkExpectation, packSaeLensZip, readSaeFiles, safeFileName, type SaeFile } from './bundle';
import { exportSaeLens } from './saelens';
import { writeSafetensors } from './safetensors';
import { logSparsityFromState, stateFromWeights, weightsFromState } from './state';

/** A minimal independent safetensors reader: header JSON and the raw f32 values of one tensor. */
function referenceRead(bytes: Uint8Array): { header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; f32: (name: string) => number[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  return {
    header,
    f32: (name) => {
      const [a, b] = header[name].data_offsets;
      return Array.from({ length: (b - a) / 4 }, (_, i) => view.getFloat32(8 + n + a + 4 * i, true));
    },
  };
}

function topkState() {
  const state = initialState(resolveConfig({ arch: 'topk', dIn: 3, dSae: 5, k: 2, batchSize: 4, histogramEvery: 10, metricsEvery: 1 }));
  state.params.b_enc = randomArray(5, 11);
  state.params.b_dec = randomArray(3, 12);
  state.normScale = 2;
  state.step = 13;
  state.tokens = 52;
  state.fireCount.set([12, 0, 3, 1, 6]);
  return state;
}

describe('SAELens zip', () => {
  it('packs cfg.json, sae_weights.safetensors and sparsity.safetensors that a reference reader loads', () => {
    const state = topkState();
    const files = exportSaeLens(weightsFromState(state), {
      architecture: 'topk',
      k: 2,
      modelName: 'lantern-synthetic',
      hookName: 'synthetic',
      hookLayer: 0,
      logSparsity: logSparsityFromState(state),
    });
    const zip = packSaeLensZip('my-sae', files);
    const entries = unzipSync(zip);
    expect(Object.keys(entries).sort()).toEqual(['my-sae/cfg.json', 'my-sae/sae_weights.safetensors', 'my-sae/sparsity.safetensors']);

    const w = referenceRead(entries['my-sae/sae_weights.safetensors']);
    expect(w.header).toEqual({
      W_dec: { dtype: 'F32', shape: [5, 3], data_offsets: [0, 60] },
      W_enc: { dtype: 'F32', shape: [3, 5], data_offsets: [60, 120] },
      b_dec: { dtype: 'F32', shape: [3], data_offsets: [120, 132] },
      b_enc: { dtype: 'F32', shape: [5], data_offsets: [132, 152] },
    });
    // Normalisation folded in: W_enc·s, W_dec/s, b_dec/s with s = normScale = 2.
    expect(w.f32('W_enc')).toEqual(Array.from(state.params.W_enc, (v) => Math.fround(v * 2)));
    expect(w.f32('b_dec')).toEqual(Array.from(state.params.b_dec, (v) => Math.fround(v / 2)));
    expect(w.f32('b_enc')).toEqual(Array.from(state.params.b_enc));

    const s = referenceRead(entries['my-sae/sparsity.safetensors']);
    expect(s.header).toEqual({ sparsity: { dtype: 'F32', shape: [5], data_offsets: [0, 20] } });
    // 13 mod 10 = 3 steps of 4 tokens since the last histogram: p = fireCount / 12.
    expect(s.f32('sparsity')[0]).toBeCloseTo(Math.log10(1 + 1e-10), 5);
    expect(s.f32('sparsity')[1]).toBeCloseTo(-10, 5);
    expect(s.f32('sparsity')[2]).toBeCloseTo(Math.log10(0.25), 5);

    const cfg = JSON.parse(new TextDecoder().decode(entries['my-sae/cfg.json']));
    expect(Object.keys(cfg).sort()).toEqual(
      [
        'activation_fn_kwargs',
        'activation_fn_str',
        'apply_b_dec_to_input',
        'architecture',
        'context_size',
        'd_in',
        'd_sae',
        'dataset_path',
        'device',
        'dtype',
        'finetuning_scaling_factor',
        'hook_head_index',
        'hook_layer',
        'hook_name',
        'model_from_pretrained_kwargs',
        'model_name',
        'neuronpedia_id',
        'normalize_activations',
        'prepend_bos',
        'sae_lens_training_version',
      ].sort(),
    );
    expect(cfg).toMatchObject({ architecture: 'topk', d_in: 3, d_sae: 5, dtype: 'float32', activation_fn_kwargs: { k: 2 }, normalize_activations: 'none' });
  });

  it('round-trips through readSaeFiles to the same weights and state', () => {
    const state = topkState();
    const weights = weightsFromState(state);
    const zip = packSaeLensZip('x', exportSaeLens(weights, { architecture: 'topk', k: 2, modelName: 'm', hookName: 'blocks.2.hook_resid_post', hookLayer: 2 }));
    const sae = readSaeFiles([{ name: 'x.zip', bytes: zip }]);
    expect(sae).toMatchObject({ format: 'saelens', folder: 'x', architecture: 'topk', k: 2, modelName: 'm', hookName: 'blocks.2.hook_resid_post', hookLayer: 2 });
    expect(sae.weights.W_dec).toEqual(weights.W_dec);
    const back = stateFromWeights(sae.weights, sae.architecture, sae.k);
    expect(weightsFromState(back)).toEqual(weights);
    expect(back.config).toMatchObject({ arch: 'topk', dIn: 3, dSae: 5, k: 2, normalizeActivations: 'none' });
  });

  it('exports BatchTopK as JumpReLU with its running threshold and imports it as JumpReLU', () => {
    const state = initialState(resolveConfig({ arch: 'batchtopk', dIn: 4, dSae: 6, k: 2, batchSize: 4 }));
    state.batchThreshold = 0.25;
    const w = weightsFromState(state);
    expect(Array.from(w.threshold!)).toEqual(Array(6).fill(0.25));
    const files = exportSaeLens(w, { architecture: 'batchtopk', modelName: 'm', hookName: 'h', hookLayer: 0 });
    const sae = readSaeFiles([
      { name: 'cfg.json', bytes: new TextEncoder().encode(files.cfgJson) },
      { name: 'sae_weights.safetensors', bytes: files.weights },
    ]);
    expect(sae.architecture).toBe('jumprelu');
    expect(Array.from(weightsFromState(stateFromWeights(sae.weights, 'jumprelu')).threshold!)).toEqual(Array(6).fill(0.25).map((t) => Math.fround(Math.exp(Math.fround(Math.log(t))))));
  });

  it('recognises a sparsify folder and names the hook after it', () => {
    const enc = randomArray(6 * 4, 3);
    const bytes = writeSafetensors({
      'encoder.weight': { dtype: 'F32', shape: [6, 4], data: enc },
      'encoder.bias': { dtype: 'F32', shape: [6], data: randomArray(6, 4) },
      W_dec: { dtype: 'F32', shape: [6, 4], data: randomArray(24, 5) },
      b_dec: { dtype: 'F32', shape: [4], data: randomArray(4, 6) },
    });
    const cfg = new TextEncoder().encode(JSON.stringify({ d_in: 4, k: 3, num_latents: 6, expansion_factor: 32 }));
    const sae = readSaeFiles([
      { name: 'layers.6/cfg.json', bytes: cfg },
      { name: 'layers.6/sae.safetensors', bytes },
    ]);
    expect(sae).toMatchObject({ format: 'sparsify', architecture: 'topk', k: 3, hookName: 'layers.6', modelName: null });
    expect(sae.weights.W_enc[1 * 6 + 2]).toBe(enc[2 * 4 + 1]);
  });

  describe('refuses bad input with a clear message', () => {
    const good = (): SaeFile[] => {
      const files = exportSaeLens(weightsFromState(topkState()), { architecture: 'topk', k: 2, modelName: 'm', hookName: 'blocks.0.hook_resid_pre', hookLayer: 0 });
      return [
        { name: 'cfg.json', bytes: new TextEncoder().encode(files.cfgJson) },
        { name: 'sae_weights.safetensors', bytes: files.weights },
      ];
    };
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return [(e as { code: string }).code, (e as Error).message];
      }
      return ['no error', ''];
    };

    it('no cfg.json', () => {
      expect(code(() => readSaeFiles([good()[1]]))).toEqual(['missing-file', expect.stringContaining('No cfg.json')]);
    });
    it('no weights beside cfg.json', () => {
      expect(code(() => readSaeFiles([good()[0]]))).toEqual(['missing-file', expect.stringContaining('sae_weights.safetensors (SAELens) or sae.safetensors (sparsify)')]);
    });
    it('malformed cfg.json', () => {
      const files = good();
      files[0] = { name: 'cfg.json', bytes: new TextEncoder().encode('{"d_in": 3, "d_sae": ') };
      expect(code(() => readSaeFiles(files))).toEqual(['invalid-cfg', expect.stringContaining('cfg.json is not valid JSON')]);
    });
    it('truncated safetensors', () => {
      const files = good();
      files[1] = { name: 'sae_weights.safetensors', bytes: files[1].bytes.subarray(0, files[1].bytes.length - 7) };
      const [c, message] = code(() => readSaeFiles(files));
      expect(c).toBe('offsets-out-of-bounds');
      expect(message).toMatch(/safetensors: tensor "\w+" data_offsets .* run past the/);
    });
    it('truncated zip', () => {
      const zip = packSaeLensZip('x', exportSaeLens(weightsFromState(topkState()), { architecture: 'topk', k: 2, modelName: 'm', hookName: 'h', hookLayer: 0 }));
      expect(code(() => readSaeFiles([{ name: 'x.zip', bytes: zip.subarray(0, zip.length - 40) }]))).toEqual(['invalid-archive', expect.stringContaining('x.zip is not a readable zip')]);
    });
    it('two SAEs at once', () => {
      const [cfg, w] = good();
      expect(code(() => readSaeFiles([{ ...cfg, name: 'a/cfg.json' }, { ...w, name: 'a/sae_weights.safetensors' }, { ...cfg, name: 'b/cfg.json' }]))).toEqual([
        'invalid-archive',
        expect.stringContaining('hold 2 SAEs (a, b)'),
      ]);
    });
    it('normalisation whose factor is not in the files', () => {
      const [cfg, w] = good();
      const bad = { ...cfg, bytes: new TextEncoder().encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(cfg.bytes)), normalize_activations: 'expected_average_only_in' })) };
      expect(code(() => readSaeFiles([bad, w]))).toEqual(['unsupported-normalization', expect.stringContaining('fold it into the weights')]);
    });
    it('mismatched d_in or hook', () => {
      const sae = readSaeFiles(good());
      expect(code(() => checkExpectation(sae, { dIn: 768 }))).toEqual(['mismatch', 'This SAE reads d_in = 3 activations, but 768 were expected; nothing was imported.']);
      expect(code(() => checkExpectation(sae, { dIn: 3, hookName: 'blocks.5.hook_resid_post' }))).toEqual(['mismatch', expect.stringContaining('"blocks.0.hook_resid_pre"')]);
      expect(() => checkExpectation(sae, { dIn: 3, hookName: 'blocks.0.hook_resid_pre' })).not.toThrow();
    });
  });

  it('makes names safe as folder names', () => {
    expect(safeFileName('my run / v001')).toBe('my_run_v001');
    expect(safeFileName('..')).toBe('sae');
  });
});
