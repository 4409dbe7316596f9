// The GPU encoder and row products against the CPU references on odd shapes, several submits
// per batch: the same nonzeros (to float tolerance), and the same statistics once accumulated.
import { describe, expect, it } from 'vitest';
import { nodeDevice } from '@/gpu/nodeDevice';
import { expectClose, randomArray } from '@/gpu/testing';
import type { SaeWeights } from '@/sae/types';
import { FeatureAccumulator } from './accumulate';
import { cpuProduct } from './effects';
import { encodeReference, encoderRule, type EncoderRule, type SparseRows } from './encoder';
import { gpuEncoder, gpuProduct } from './gpu';
import { referenceStats } from './reference';
import { DEFAULT_ANALYSIS_OPTIONS } from './types';

const D_IN = 13;
const D_SAE = 29;
const CTX = 7;
const CONTEXTS = 5;
const N = CTX * CONTEXTS;

function weights(seed: number): SaeWeights {
  return {
    dIn: D_IN,
    dSae: D_SAE,
    W_enc: randomArray(D_IN * D_SAE, seed),
    W_dec: randomArray(D_SAE * D_IN, seed + 1),
    b_enc: randomArray(D_SAE, seed + 2, -0.6, 0.2),
    b_dec: randomArray(D_IN, seed + 3, -0.1, 0.1),
    threshold: randomArray(D_SAE, seed + 4, 0.05, 0.5),
  };
}

function dense(s: SparseRows): Float32Array {
  const out = new Float32Array(s.rows * D_SAE);
  for (let r = 0; r < s.rows; r++) for (let e = s.rowPtr[r]; e < s.rowPtr[r + 1]; e++) out[r * D_SAE + s.latent[e]] = s.value[e];
  return out;
}

const RULES: [string, (w: SaeWeights) => EncoderRule][] = [
  ['ReLU', (w) => encoderRule('relu', w)],
  ['TopK k=5', (w) => encoderRule('topk', w, 5)],
  ['JumpReLU', (w) => encoderRule('jumprelu', w)],
];

describe('gpuEncoder', () => {
  for (const [name, rule] of RULES) {
    it(`encodes like the CPU reference (${name}, ${N} tokens in submits of 8, d_in ${D_IN}, d_sae ${D_SAE})`, async () => {
      const { device } = await nodeDevice();
      const w = weights(name.length);
      const x = randomArray(N * D_IN, 99);
      const enc = gpuEncoder(device, w, rule(w), 8);
      const got = await enc.encode(x, N);
      enc.release();
      const ref = encodeReference(w, rule(w), x, N);
      expect(got.rows).toBe(N);
      expectClose(dense(got), ref, { atol: 1e-5, rtol: 1e-4 });
      expect(got.value.length).toBe(ref.filter((v) => v !== 0).length);
    });
  }

  it('gives the accumulator the statistics of the dense CPU reference', async () => {
    const { device } = await nodeDevice();
    const w = weights(3);
    const rule = encoderRule('topk', w, 4);
    const x = randomArray(N * D_IN, 5);
    const opts = { ...DEFAULT_ANALYSIS_OPTIONS, topK: 3, bins: 9, intervals: 4, windowRadius: 2 };
    const enc = gpuEncoder(device, w, rule, 6);
    const acc = new FeatureAccumulator(D_SAE, opts);
    for (const phase of ['stats', 'samples']) {
      if (phase === 'samples') acc.beginSamples();
      for (let c = 0; c < CONTEXTS; c += 2) {
        const n = Math.min(2, CONTEXTS - c) * CTX;
        acc.add({ firstContext: c, contextSize: CTX, acts: await enc.encode(x.subarray(c * CTX * D_IN, c * CTX * D_IN + n * D_IN), n) });
      }
    }
    enc.release();
    const ref = referenceStats(encodeReference(w, rule, x, N), N, D_SAE, CTX, opts);
    expect(Array.from(acc.count)).toEqual(ref.count);
    expectClose(acc.max, ref.max, { atol: 1e-5, rtol: 1e-4 });
    expect(acc.top.map((t) => t.map((e) => `${e.context}:${e.position}`))).toEqual(ref.top.map((t) => t.map((e) => `${e.context}:${e.position}`)));
  });
});

describe('gpuProduct', () => {
  for (const layout of ['nn', 'nt'] as const) {
    it(`multiplies rows by a resident operand like the CPU reference (${layout}, 19 rows × K 13 → N 31)`, async () => {
      const { device } = await nodeDevice();
      const b = randomArray(13 * 31, 8);
      const a = randomArray(19 * 13, 9);
      const p = gpuProduct(device, b, 13, 31, layout);
      const got = await p.multiply(a, 19);
      p.release();
      expectClose(got, await cpuProduct(b, 13, 31, layout).multiply(a, 19), { atol: 1e-5, rtol: 1e-4 });
    });
  }
});
