// The streaming accumulator against the dense CPU reference on odd shapes (batches of whole
// contexts, ties, dead latents), its windows, snapshot/resume equality and uniform reservoirs.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../lm/random';
import { FeatureAccumulator } from './accumulate';
import { sparseRows } from './encoder';
import { referenceStats } from './reference';
import { DEFAULT_ANALYSIS_OPTIONS, type AnalysisOptions } from './types';

const CTX = 5;
const CONTEXTS = 9;
const D = 13;
const OPTS: AnalysisOptions = { ...DEFAULT_ANALYSIS_OPTIONS, topK: 4, intervals: 3, perInterval: 2, bins: 7, windowRadius: 2 };

/** Sparse random activations; latent 0 never fires, latent 1 ties on every token it fires on. */
function activations(seed: number): Float32Array {
  const rand = seededRandom(seed);
  const a = new Float32Array(CONTEXTS * CTX * D);
  for (let t = 0; t < CONTEXTS * CTX; t++) {
    for (let j = 1; j < D; j++) if (rand() < 0.3) a[t * D + j] = j === 1 ? 0.5 : Math.fround(rand() * 3);
  }
  return a;
}

function run(acts: Float32Array, batchContexts: number, opts = OPTS, stopAfter?: number) {
  let acc = new FeatureAccumulator(D, opts);
  let batches = 0;
  for (const phase of ['stats', 'samples'] as const) {
    if (phase === 'samples') acc.beginSamples();
    for (let c = 0; c < CONTEXTS; c += batchContexts) {
      const n = Math.min(batchContexts, CONTEXTS - c);
      const slice = acts.subarray(c * CTX * D, (c + n) * CTX * D);
      acc.add({ firstContext: c, contextSize: CTX, acts: sparseRows(slice, n * CTX, D) });
      // A snapshot through JSON and back, as a job stores it, stands in for a reload.
      if (++batches === stopAfter) acc = FeatureAccumulator.restore(JSON.parse(JSON.stringify(acc.snapshot())), D, opts);
    }
  }
  return acc;
}

describe('FeatureAccumulator', () => {
  it('equals the dense reference: counts, means, maxima, top examples, histograms, interval counts', () => {
    const acts = activations(3);
    const ref = referenceStats(acts, CONTEXTS * CTX, D, CTX, OPTS);
    for (const batch of [1, 2, 4, 9]) {
      const acc = run(acts, batch);
      expect(acc.tokens).toBe(CONTEXTS * CTX);
      expect(Array.from(acc.count)).toEqual(ref.count);
      expect(Array.from(acc.max)).toEqual(ref.max);
      Array.from(acc.count).forEach((c, j) => expect(c ? acc.sum[j] / c : 0).toBeCloseTo(ref.mean[j], 10));
      expect(acc.top.map((t) => t.map(({ context, position, value }) => ({ context, position, value })))).toEqual(ref.top);
      for (let j = 0; j < D; j++) {
        expect(Array.from(acc.hist.subarray(j * OPTS.bins, (j + 1) * OPTS.bins))).toEqual(ref.hist[j]);
        expect(Array.from(acc.intervalCounts.subarray(j * OPTS.intervals, (j + 1) * OPTS.intervals))).toEqual(ref.intervalCounts[j]);
      }
    }
  });

  it('keeps each example’s window: the latent’s activation at every position of its context around it', () => {
    const acts = activations(5);
    const acc = run(acts, 2);
    for (let j = 0; j < D; j++) {
      const examples = [...acc.top[j], ...acc.reservoirs.slice(j * OPTS.intervals, (j + 1) * OPTS.intervals).flatMap((r) => r ?? [])];
      for (const e of examples) {
        expect(e.start).toBe(Math.max(0, e.position - OPTS.windowRadius));
        expect(e.start + e.acts.length - 1).toBe(Math.min(CTX - 1, e.position + OPTS.windowRadius));
        e.acts.forEach((v, i) => expect(v).toBe(acts[(e.context * CTX + e.start + i) * D + j]));
        expect(e.acts[e.position - e.start]).toBe(e.value);
      }
    }
    expect(acc.top[0]).toEqual([]);
  });

  it('samples each interval’s examples from its own range, up to perInterval of them', () => {
    const acc = run(activations(8), 3);
    for (let j = 0; j < D; j++) {
      for (let i = 0; i < OPTS.intervals; i++) {
        const res = acc.reservoirs[j * OPTS.intervals + i] ?? [];
        expect(res.length).toBe(Math.min(OPTS.perInterval, acc.intervalCounts[j * OPTS.intervals + i]));
        for (const e of res) {
          expect(e.value).toBeGreaterThan((acc.max[j] * i) / OPTS.intervals);
          expect(e.value).toBeLessThanOrEqual((acc.max[j] * (i + 1)) / OPTS.intervals + 1e-6);
        }
      }
    }
  });

  it('resumed from a snapshot after any batch ends in exactly the state of an uninterrupted run', () => {
    const acts = activations(11);
    const whole = JSON.stringify(run(acts, 2).snapshot());
    for (const stop of [1, 4, 5, 7]) expect(JSON.stringify(run(acts, 2, OPTS, stop).snapshot())).toBe(whole);
  });

  it('reservoir-samples uniformly: over many seeds every activation of an interval is kept about equally often', () => {
    const n = 24;
    const dense = new Float32Array(n * 2);
    for (let t = 0; t < n; t++) dense[t * 2 + 1] = 1 + t / 1000;
    const kept = new Array<number>(n).fill(0);
    const seeds = 1500;
    for (let seed = 1; seed <= seeds; seed++) {
      const opts = { ...OPTS, intervals: 1, perInterval: 3, seed };
      const acc = new FeatureAccumulator(2, opts);
      acc.add({ firstContext: 0, contextSize: n, acts: sparseRows(dense, n, 2) });
      acc.beginSamples();
      acc.add({ firstContext: 0, contextSize: n, acts: sparseRows(dense, n, 2) });
      for (const e of acc.reservoirs[1]!) kept[e.position]++;
    }
    const expected = (seeds * 3) / n;
    for (const k of kept) expect(Math.abs(k - expected)).toBeLessThan(expected * 0.25);
  });
});
