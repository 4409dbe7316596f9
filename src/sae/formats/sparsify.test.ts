// Tests for the sparsify importer: encoder transpose, latent count from cfg, and refusal of unsupported variants.
import { describe, expect, it } from 'vitest';
import { randomArray } from '@/gpu/testing';
import { SaeFormatError } from './common';
import { SafetensorsError, writeSafetensors } from './safetensors';
import { importSparsify } from './sparsify';

const dIn = 3;
const dSae = 6;
const encoder = randomArray(dSae * dIn, 1);
const bytes = writeSafetensors({
  'encoder.weight': { dtype: 'F32', shape: [dSae, dIn], data: encoder },
  'encoder.bias': { dtype: 'F32', shape: [dSae], data: randomArray(dSae, 2) },
  W_dec: { dtype: 'F32', shape: [dSae, dIn], data: randomArray(dSae * dIn, 3) },
  b_dec: { dtype: 'F32', shape: [dIn], data: randomArray(dIn, 4) },
});
/** cfg.json as sparsify's save_to_disk writes it (SparseCoderConfig.to_dict() plus d_in). */
const cfg = { expansion_factor: 2, normalize_decoder: true, num_latents: 0, k: 2, multi_topk: false, skip_connection: false, transcode: false, d_in: dIn };
const cfgJson = (over: Record<string, unknown> = {}) => JSON.stringify({ ...cfg, ...over });

describe('importSparsify', () => {
  it('transposes encoder.weight [dSae, dIn] into W_enc [dIn, dSae] and keeps the rest', () => {
    const { weights, architecture, k } = importSparsify(cfgJson(), bytes);
    expect(architecture).toBe('topk');
    expect(k).toBe(2);
    expect(weights.dIn).toBe(dIn);
    expect(weights.dSae).toBe(dSae);
    for (let i = 0; i < dSae; i++) for (let j = 0; j < dIn; j++) expect(weights.W_enc[j * dSae + i]).toBe(encoder[i * dIn + j]);
    expect(weights.b_enc).toEqual(randomArray(dSae, 2));
    expect(weights.W_dec).toEqual(randomArray(dSae * dIn, 3));
    expect(weights.b_dec).toEqual(randomArray(dIn, 4));
    expect(weights.threshold).toBeUndefined();
  });

  it('takes the latent count from num_latents when it is non-zero', () => {
    expect(importSparsify(cfgJson({ num_latents: 6, expansion_factor: 32 }), bytes).weights.dSae).toBe(6);
    expect(() => importSparsify(cfgJson({ num_latents: 12 }), bytes)).toThrow(/encoder.weight has shape \[6, 3\] but cfg.json gives \[num_latents, d_in\] = \[12, 3\]/);
  });

  it('rejects a mismatched d_in', () => {
    expect(() => importSparsify(cfgJson({ d_in: 4 }), bytes)).toThrow(SaeFormatError);
    expect(() => importSparsify(cfgJson({ d_in: 4 }), bytes)).toThrow(/\[num_latents, d_in\] = \[8, 4\]/);
  });

  it.each([
    ['transcode', { transcode: true }],
    ['skip_connection', { skip_connection: true }],
    ['activation', { activation: 'groupmax' }],
  ])('refuses %s', (key, over) => {
    expect(() => importSparsify(cfgJson(over), bytes)).toThrow(key);
  });

  it.each([
    ['k', { k: undefined }, /"k" must be a positive integer/],
    ['k', { k: 7 }, /k = 7 exceeds the 6 latents/],
    ['d_in', { d_in: undefined }, /"d_in" must be a positive integer/],
    ['expansion_factor', { expansion_factor: 'two' }, /"expansion_factor" must be a positive integer/],
  ])('rejects a bad %s', (_key, over, message) => {
    expect(() => importSparsify(cfgJson(over), bytes)).toThrow(message);
  });

  it('rejects malformed cfg.json, missing tensors and truncated weights', () => {
    expect(() => importSparsify('{', bytes)).toThrow(/sparsify cfg.json is not valid JSON/);
    const noDecoder = writeSafetensors({ 'encoder.weight': { dtype: 'F32', shape: [dSae, dIn], data: encoder } });
    expect(() => importSparsify(cfgJson(), noDecoder)).toThrow(/no tensor "encoder.bias"/);
    expect(() => importSparsify(cfgJson(), bytes.subarray(0, 20))).toThrow(SafetensorsError);
  });
});
