// Tests for the SAELens layout: exact export header and cfg keys, round trips, folding, and import validation.
import { describe, expect, it } from 'vitest';
import { expectClose, randomArray } from '@/gpu/testing';
import type { SaeWeights } from '../types';
import { exportSaeLens, importSaeLens, type SaeLensExportOptions } from './saelens';
import { parseSafetensors, SafetensorsError, tensorToFloat32, writeSafetensors } from './safetensors';

function weights(dIn: number, dSae: number, seed: number, threshold = false): SaeWeights {
  return {
    dIn,
    dSae,
    W_enc: randomArray(dIn * dSae, seed),
    W_dec: randomArray(dSae * dIn, seed + 1),
    b_enc: randomArray(dSae, seed + 2),
    b_dec: randomArray(dIn, seed + 3),
    ...(threshold ? { threshold: randomArray(dSae, seed + 4, 0, 0.5) } : {}),
  };
}

const context = { modelName: 'gpt2', hookName: 'blocks.3.hook_resid_post', hookLayer: 3 } as const;

function header(bytes: Uint8Array): unknown {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

/** ReLU SAE forward on one input row, SAELens semantics: z = relu((x − b_dec)·W_enc + b_enc), x̂ = z·W_dec + b_dec. */
function forward(w: SaeWeights, x: Float32Array): Float32Array {
  const z = new Float32Array(w.dSae);
  for (let i = 0; i < w.dSae; i++) {
    let pre = w.b_enc[i];
    for (let j = 0; j < w.dIn; j++) pre += (x[j] - w.b_dec[j]) * w.W_enc[j * w.dSae + i];
    z[i] = Math.max(0, pre);
  }
  const out = Float32Array.from(w.b_dec);
  for (let i = 0; i < w.dSae; i++) for (let j = 0; j < w.dIn; j++) out[j] += z[i] * w.W_dec[i * w.dIn + j];
  return out;
}

/** A cfg.json for import tests, with overrides (undefined deletes a key). */
function cfgWith(over: Record<string, unknown>): string {
  const cfg: Record<string, unknown> = { architecture: 'standard', d_in: 4, d_sae: 6, model_name: 'gpt2', hook_name: 'blocks.1.hook_resid_pre', ...over };
  for (const k of Object.keys(cfg)) if (cfg[k] === undefined) delete cfg[k];
  return JSON.stringify(cfg);
}

describe('exportSaeLens', () => {
  it('writes the exact header and cfg keys for a tiny TopK SAE', () => {
    const out = exportSaeLens(weights(2, 3, 1), { ...context, architecture: 'topk', k: 1, contextSize: 128, datasetPath: 'tiny/stories' });
    expect(header(out.weights)).toEqual({
      W_dec: { dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] },
      W_enc: { dtype: 'F32', shape: [2, 3], data_offsets: [24, 48] },
      b_dec: { dtype: 'F32', shape: [2], data_offsets: [48, 56] },
      b_enc: { dtype: 'F32', shape: [3], data_offsets: [56, 68] },
    });
    expect(JSON.parse(out.cfgJson)).toEqual({
      architecture: 'topk',
      d_in: 2,
      d_sae: 3,
      dtype: 'float32',
      device: 'cpu',
      model_name: 'gpt2',
      hook_name: 'blocks.3.hook_resid_post',
      hook_layer: 3,
      hook_head_index: null,
      activation_fn_str: 'topk',
      activation_fn_kwargs: { k: 1 },
      apply_b_dec_to_input: true,
      finetuning_scaling_factor: false,
      context_size: 128,
      dataset_path: 'tiny/stories',
      prepend_bos: true,
      normalize_activations: 'none',
      sae_lens_training_version: null,
      model_from_pretrained_kwargs: {},
      neuronpedia_id: null,
    });
    expect(out.sparsity).toBeUndefined();
  });

  it('writes BatchTopK as JumpReLU with its threshold', () => {
    const w = weights(2, 3, 5, true);
    const out = exportSaeLens(w, { ...context, architecture: 'batchtopk', k: 2 });
    const cfg = JSON.parse(out.cfgJson) as Record<string, unknown>;
    expect(cfg.architecture).toBe('jumprelu');
    expect(cfg.activation_fn_str).toBe('relu');
    expect(cfg.activation_fn_kwargs).toEqual({});
    expect((header(out.weights) as Record<string, unknown>).threshold).toEqual({ dtype: 'F32', shape: [3], data_offsets: [68, 80] });
    expect(tensorToFloat32(parseSafetensors(out.weights), 'threshold')).toEqual(w.threshold);
  });

  it('writes sparsity.safetensors with key "sparsity" [d_sae]', () => {
    const logSparsity = new Float32Array([-1, -2.5, -8]);
    const out = exportSaeLens(weights(2, 3, 1), { ...context, architecture: 'relu', logSparsity });
    expect(JSON.parse(out.cfgJson).architecture).toBe('standard');
    expect(header(out.sparsity as Uint8Array)).toEqual({ sparsity: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } });
  });

  it('folds expected_average_only_in into the weights so raw inputs give the same reconstruction', () => {
    const w = weights(5, 7, 9);
    const s = 2.5;
    const out = exportSaeLens(w, { ...context, architecture: 'relu', normalizeActivations: 'expected_average_only_in', scalingFactor: s });
    expect(JSON.parse(out.cfgJson).normalize_activations).toBe('none');
    const folded = importSaeLens(out.cfgJson, out.weights).weights;
    const x = randomArray(5, 42, -3, 3);
    const trained = forward(w, x.map((v) => v * s)).map((v) => v / s);
    expectClose(forward(folded, x), trained, { atol: 1e-5, rtol: 1e-5 });
  });

  it.each([
    ['k', { architecture: 'topk' }],
    ['k', { architecture: 'topk', k: 4 }],
    ['scalingFactor', { architecture: 'relu', normalizeActivations: 'expected_average_only_in' }],
    ['scalingFactor', { architecture: 'relu', normalizeActivations: 'expected_average_only_in', scalingFactor: -1 }],
    ['hookLayer', { architecture: 'relu', hookLayer: -1 }],
  ] as [string, Partial<SaeLensExportOptions>][])('rejects a bad %s', (field, patch) => {
    expect(() => exportSaeLens(weights(2, 3, 1), { ...context, architecture: 'relu', ...patch })).toThrow(field);
  });

  it('rejects JumpReLU without a threshold and mis-sized arrays', () => {
    expect(() => exportSaeLens(weights(2, 3, 1), { ...context, architecture: 'jumprelu' })).toThrow(/threshold/);
    expect(() => exportSaeLens({ ...weights(2, 3, 1), b_dec: new Float32Array(3) }, { ...context, architecture: 'relu' })).toThrow(/b_dec has 3 values/);
  });
});

describe('importSaeLens', () => {
  it.each(['relu', 'topk', 'jumprelu'] as const)('round-trips a %s export', (architecture) => {
    const w = weights(4, 6, 3, architecture === 'jumprelu');
    const logSparsity = randomArray(6, 8, -6, 0);
    const out = exportSaeLens(w, { ...context, architecture, k: 2, logSparsity, contextSize: 64 });
    const back = importSaeLens(out.cfgJson, out.weights, out.sparsity);
    expect(back.weights).toEqual(w);
    expect(back.architecture).toBe(architecture);
    expect(back.k).toBe(architecture === 'topk' ? 2 : undefined);
    expect(back).toMatchObject({ modelName: 'gpt2', hookName: 'blocks.3.hook_resid_post', hookLayer: 3, hookHeadIndex: null, contextSize: 64 });
    expect(back).toMatchObject({ applyBDecToInput: true, normalizeActivations: 'none', prependBos: true });
    expect(back.logSparsity).toEqual(logSparsity);
  });

  it('reads the SAELens 6 layout (metadata object, top-level k, no hook_layer)', () => {
    const w = weights(4, 6, 11);
    const bytes = exportSaeLens(w, { ...context, architecture: 'relu' }).weights;
    const cfg = JSON.stringify({
      d_in: 4,
      d_sae: 6,
      dtype: 'float32',
      device: 'cpu',
      apply_b_dec_to_input: false,
      normalize_activations: 'expected_average_only_in',
      reshape_activations: 'none',
      k: 3,
      architecture: 'topk',
      metadata: { model_name: 'pythia-70m', hook_name: 'blocks.5.hook_mlp_out', context_size: 1024, sae_lens_version: '6.5.0', prepend_bos: false },
    });
    const back = importSaeLens(cfg, bytes);
    expect(back).toMatchObject({ architecture: 'topk', k: 3, modelName: 'pythia-70m', hookLayer: 5, applyBDecToInput: false, prependBos: false });
    expect(back.normalizeActivations).toBe('expected_average_only_in');
    expect(back.contextSize).toBe(1024);
  });

  it('reads an old standard + topk activation cfg and a legacy boolean normalize_activations', () => {
    const bytes = exportSaeLens(weights(4, 6, 1), { ...context, architecture: 'relu' }).weights;
    const back = importSaeLens(cfgWith({ activation_fn_str: 'topk', activation_fn_kwargs: { k: 5 }, normalize_activations: true }), bytes);
    expect(back).toMatchObject({ architecture: 'topk', k: 5, normalizeActivations: 'expected_average_only_in', hookLayer: 1 });
  });

  it('reads log_threshold from JumpReLU training checkpoints and folds a finetuning scale into W_dec', () => {
    const w = weights(2, 3, 1);
    const logThreshold = new Float32Array([0, Math.log(2), -1]);
    const scale = new Float32Array([1, 2, 0.5]);
    const bytes = writeSafetensors({
      W_enc: { dtype: 'F32', shape: [2, 3], data: w.W_enc },
      W_dec: { dtype: 'F32', shape: [3, 2], data: w.W_dec },
      b_enc: { dtype: 'F32', shape: [3], data: w.b_enc },
      b_dec: { dtype: 'F32', shape: [2], data: w.b_dec },
      log_threshold: { dtype: 'F32', shape: [3], data: logThreshold },
      scaling_factor: { dtype: 'F32', shape: [3], data: scale },
    });
    const back = importSaeLens(cfgWith({ architecture: 'jumprelu', d_in: 2, d_sae: 3 }), bytes);
    expectClose(back.weights.threshold as Float32Array, logThreshold.map(Math.exp));
    expectClose(back.weights.W_dec, w.W_dec.map((v, i) => v * scale[Math.floor(i / 2)]));
  });

  describe('rejects bad input with a clear message', () => {
    const bytes = exportSaeLens(weights(4, 6, 1), { ...context, architecture: 'relu' }).weights;

    it('malformed cfg.json', () => {
      expect(() => importSaeLens('{"d_in": 4,', bytes)).toThrow(/cfg.json is not valid JSON/);
      expect(() => importSaeLens('[4, 6]', bytes)).toThrow(/must be a JSON object/);
    });

    it.each([
      ['d_in', { d_in: undefined }, /"d_in" must be a positive integer, got undefined/],
      ['d_in', { d_in: '4' }, /"d_in" must be a positive integer, got "4"/],
      ['d_sae', { d_sae: 0 }, /"d_sae" must be a positive integer/],
      ['hook_name', { hook_name: undefined }, /"hook_name" is missing/],
      ['hook_name', { hook_name: 7 }, /"hook_name" must be a string/],
      ['normalize_activations', { normalize_activations: 'sometimes' }, /"normalize_activations" must be one of/],
      ['activation_fn_kwargs.k', { architecture: 'topk', activation_fn_kwargs: {} }, /"activation_fn_kwargs.k" must be a positive integer/],
      ['apply_b_dec_to_input', { apply_b_dec_to_input: 'yes' }, /"apply_b_dec_to_input" must be true or false/],
    ])('key %s', (_key, over, message) => {
      expect(() => importSaeLens(cfgWith(over), bytes)).toThrow(message);
    });

    it('mismatched d_in', () => {
      expect(() => importSaeLens(cfgWith({ d_in: 5 }), bytes)).toThrow(/W_enc has shape \[4, 6\] but cfg.json gives \[d_in, d_sae\] = \[5, 6\]/);
    });

    it('unsupported architecture', () => {
      expect(() => importSaeLens(cfgWith({ architecture: 'gated' }), bytes)).toThrow(/architecture "gated" is not supported/);
    });

    it('missing tensors', () => {
      const noBias = writeSafetensors({ W_enc: { dtype: 'F32', shape: [4, 6], data: new Float32Array(24) } });
      expect(() => importSaeLens(cfgWith({}), noBias)).toThrow(/no tensor "W_dec"/);
      expect(() => importSaeLens(cfgWith({ architecture: 'jumprelu' }), bytes)).toThrow(/no tensor "threshold"/);
    });

    it('truncated weights file', () => {
      expect(() => importSaeLens(cfgWith({}), bytes.subarray(0, bytes.length - 1))).toThrow(SafetensorsError);
    });
  });
});
