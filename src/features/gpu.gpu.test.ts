// The GPU encoder, row products and neighbour search against the CPU references on odd shapes,
// several submits per batch, and sharded under forced small buffer limits: the same nonzeros (to
// float tolerance, or exactly where every sum is exact, also at d_sae 24,576 × d_in 768), the same
// statistics once accumulated, the same neighbours.
import { describe, expect, it } from 'vitest';
import { nodeDevice } from '@/gpu/nodeDevice';
import { expectClose, randomArray } from '@/gpu/testing';
import type { SaeWeights } from '@/sae/types';
import { FeatureAccumulator } from './accumulate';
import { cpuNeighbours, cpuProduct, unitRows } from './effects';
import { encodeReference, encoderRule, sparseRows, type EncoderRule, type SparseRows } from './encoder';
import { gpuEncoder, gpuNeighbours, gpuProduct, type EncoderLimits } from './gpu';
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

/** Multiples of 1/8 in [lo, hi]: products and short sums of them are exact in f32, in any order. */
function eighths(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  return randomArray(n, seed, lo, hi).map((v) => Math.round(v * 8) / 8);
}

function exactWeights(dIn: number, dSae: number, seed: number): SaeWeights {
  return {
    dIn,
    dSae,
    W_enc: eighths(dIn * dSae, seed),
    W_dec: eighths(dSae * dIn, seed + 1),
    b_enc: eighths(dSae, seed + 2, -1, 0.25),
    b_dec: eighths(dIn, seed + 3, -0.25, 0.25),
    threshold: randomArray(dSae, seed + 4, 0.05, 0.5),
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

  // 37 tokens, d_sae 301, d_in 13; limits that split the latents into 17 shards of 18 and 4 of
  // 76, with sparse buffers that must grow and batches whose nonzeros must be split.
  const SHARDED: [string, number, EncoderLimits][] = [
    ['unsharded', 4096, {}],
    ['17 shards, batches split', 4096, { maxBufferBytes: 8 * 301, capacity: 7 }],
    ['4 shards, submits of 8', 8, { maxBufferBytes: 4000, capacity: 16 }],
  ];
  for (const [name, rule] of [...RULES, ['TopK k=1', (w: SaeWeights) => encoderRule('topk', w, 1)] as const]) {
    for (const [how, rows, limits] of SHARDED) {
      it(`returns exactly the dense path's nonzeros (${name}, ${how})`, async () => {
        const { device } = await nodeDevice();
        const w = exactWeights(13, 301, name.length);
        const x = eighths(37 * 13, 7);
        const enc = gpuEncoder(device, w, rule(w), rows, limits);
        const got = await enc.encode(x, 37);
        enc.release();
        const want = sparseRows(encodeReference(w, rule(w), x, 37), 37, 301);
        expect(want.value.length).toBeGreaterThan(37);
        expect(got.rows).toBe(37);
        expect(Array.from(got.rowPtr)).toEqual(Array.from(want.rowPtr));
        expect(Array.from(got.latent)).toEqual(Array.from(want.latent));
        expect(Array.from(got.value)).toEqual(Array.from(want.value));
      });
    }
  }

  it('gives the accumulator the statistics of the dense CPU reference (6 latent shards)', async () => {
    const { device } = await nodeDevice();
    const w = weights(3);
    const rule = encoderRule('topk', w, 4);
    const x = randomArray(N * D_IN, 5);
    const opts = { ...DEFAULT_ANALYSIS_OPTIONS, topK: 3, bins: 9, intervals: 4, windowRadius: 2 };
    const enc = gpuEncoder(device, w, rule, 6, { maxBufferBytes: 4 * D_IN * 5, capacity: 3 });
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
  // Columns of 13 floats: a 7-column limit splits N 31 into shards of 7, 7, 7, 7 and 3.
  const cases = (['nn', 'nt'] as const).flatMap((layout) => [[layout, undefined], [layout, 13 * 4 * 7]] as const);
  for (const [layout, maxBufferBytes] of cases) {
    it(`multiplies rows by a resident operand like the CPU reference (${layout}, 19 rows × K 13 → N 31, ${maxBufferBytes ? '5 column shards' : 'one buffer'})`, async () => {
      const { device } = await nodeDevice();
      const b = randomArray(13 * 31, 8);
      const a = randomArray(19 * 13, 9);
      const p = gpuProduct(device, b, 13, 31, layout, { maxBufferBytes });
      const got = await p.multiply(a, 19);
      p.release();
      expectClose(got, await cpuProduct(b, 13, 31, layout).multiply(a, 19), { atol: 1e-5, rtol: 1e-4 });
    });
  }
});

describe('gpuNeighbours', () => {
  const cases: [string, number | undefined][] = [
    ['unsharded', undefined],
    // Rows of 13 floats: blocks of 20 rows against 24 column shards of 13 latents.
    ['20-row blocks × 24 column shards', 52 * 20],
  ];
  for (const [how, maxBufferBytes] of cases) {
    it(`finds exactly the CPU reference's neighbours, ties to the lower index (d_sae 301, d_in 13, ${how})`, async () => {
      const { device } = await nodeDevice();
      const rows = eighths(301 * 13, 17);
      const search = gpuNeighbours(device, rows, 301, 13, { maxBufferBytes });
      const ref = cpuNeighbours(rows, 301, 13);
      for (const [from, to] of [
        [0, 301],
        [37, 101],
        [300, 301],
      ]) {
        expect(await search.neighbours(from, to)).toEqual(await ref.neighbours(from, to));
      }
      search.release();
    });
  }

  it('matches the CPU reference on unit decoder rows, sharded (d_sae 157, d_in 29)', async () => {
    const { device } = await nodeDevice();
    const unit = unitRows(randomArray(157 * 29, 23), 157, 29);
    const got = await gpuNeighbours(device, unit, 157, 29, { maxBufferBytes: 4 * 29 * 11 }).neighbours(0, 157);
    const want = await cpuNeighbours(unit, 157, 29).neighbours(0, 157);
    expect(got.map((r) => r.map((e) => e.index))).toEqual(want.map((r) => r.map((e) => e.index)));
    expectClose(
      got.flatMap((r) => r.map((e) => e.cosine)),
      want.flatMap((r) => r.map((e) => e.cosine)),
      { atol: 1e-5, rtol: 1e-4 },
    );
  });

  it('lists every other latent when there are fewer than NEIGHBOURS (d_sae 4)', async () => {
    const { device } = await nodeDevice();
    const rows = eighths(4 * 5, 3);
    expect(await gpuNeighbours(device, rows, 4, 5).neighbours(0, 4)).toEqual(await cpuNeighbours(rows, 4, 5).neighbours(0, 4));
  });
});

describe('at d_sae 24,576, d_in 768', () => {
  const [dIn, dSae] = [768, 24_576];
  const w = exactWeights(dIn, dSae, 41);
  const maxBufferBytes = 16 * 1024 * 1024;
  it("encodes 5 tokens exactly like the dense path and finds the CPU reference's neighbours (TopK k=32, 5 latent shards under a 16 MiB buffer limit)", async () => {
    const { device } = await nodeDevice();
    const rule = encoderRule('topk', w, 32);
    const x = eighths(5 * dIn, 43);
    const enc = gpuEncoder(device, w, rule, 4096, { maxBufferBytes });
    const got = await enc.encode(x, 5);
    enc.release();
    const want = sparseRows(encodeReference(w, rule, x, 5), 5, dSae);
    expect(Array.from(got.rowPtr)).toEqual(Array.from(want.rowPtr));
    expect(Array.from(got.latent)).toEqual(Array.from(want.latent));
    expect(Array.from(got.value)).toEqual(Array.from(want.value));
    const search = gpuNeighbours(device, w.W_dec, dSae, dIn, { maxBufferBytes });
    const found = await search.neighbours(dSae - 7, dSae);
    search.release();
    expect(found).toEqual(await cpuNeighbours(w.W_dec, dSae, dIn).neighbours(dSae - 7, dSae));
  }, 120_000);
});
