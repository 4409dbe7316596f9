// Streaming per-latent statistics over sparse activations, in two passes over the same tokens:
// 'stats' (count, sum, max, top-K examples with their windows) then 'samples' (the activation
// histogram and interval reservoirs, which need the max). Work per batch scales with the
// nonzeros. The whole state round-trips through JSON, so a job can snapshot and resume it.
import type { SparseRows } from './encoder';
import type { AnalysisOptions, FeatureExample } from './types';

export type AccumulatorPhase = 'stats' | 'samples';

/** A batch of whole contexts: row r is position r % contextSize of context firstContext + ⌊r / contextSize⌋. */
export interface ContextBatch {
  firstContext: number;
  contextSize: number;
  acts: SparseRows;
}

type Example = Omit<FeatureExample, 'tokens'>;

export interface AccumulatorSnapshot {
  phase: AccumulatorPhase;
  tokens: number;
  count: number[];
  sum: number[];
  max: number[];
  top: Example[][];
  hist: number[];
  intervalCounts: number[];
  /** Per latent × interval (row-major); null where nothing was sampled. */
  reservoirs: (Example[] | null)[];
  rng: number;
}

/** Column-major view of a batch: latent j's entries are [colPtr[j], colPtr[j+1]), rows ascending. */
function transpose(acts: SparseRows, dSae: number) {
  const colPtr = new Uint32Array(dSae + 1);
  for (let e = 0; e < acts.latent.length; e++) colPtr[acts.latent[e] + 1]++;
  for (let j = 0; j < dSae; j++) colPtr[j + 1] += colPtr[j];
  const fill = colPtr.slice(0, dSae);
  const row = new Uint32Array(acts.latent.length);
  const value = new Float32Array(acts.latent.length);
  for (let r = 0; r < acts.rows; r++) {
    for (let e = acts.rowPtr[r]; e < acts.rowPtr[r + 1]; e++) {
      const at = fill[acts.latent[e]]++;
      row[at] = r;
      value[at] = acts.value[e];
    }
  }
  return { colPtr, row, value };
}

/** mulberry32 step: returns [next state, uniform u32]. */
function nextRandom(state: number): [number, number] {
  const s = (state + 0x6d2b79f5) >>> 0;
  let t = Math.imul(s ^ (s >>> 15), s | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [s, (t ^ (t >>> 14)) >>> 0];
}

/** Whether (v, c, p) ranks above example b: larger value first, then the earlier token. */
function above(v: number, c: number, p: number, b: Example): boolean {
  if (v !== b.value) return v > b.value;
  return c !== b.context ? c < b.context : p < b.position;
}

export class FeatureAccumulator {
  phase: AccumulatorPhase = 'stats';
  /** Tokens seen in the current pass. */
  tokens = 0;
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly max: Float32Array;
  readonly top: Example[][];
  readonly hist: Float64Array;
  readonly intervalCounts: Float64Array;
  readonly reservoirs: (Example[] | null)[];
  private rng: number;

  constructor(
    readonly dSae: number,
    readonly opts: AnalysisOptions,
  ) {
    this.count = new Float64Array(dSae);
    this.sum = new Float64Array(dSae);
    this.max = new Float32Array(dSae);
    this.top = Array.from({ length: dSae }, () => []);
    this.hist = new Float64Array(dSae * opts.bins);
    this.intervalCounts = new Float64Array(dSae * opts.intervals);
    this.reservoirs = new Array<Example[] | null>(dSae * opts.intervals).fill(null);
    this.rng = opts.seed >>> 0;
  }

  /** Starts the samples pass (the max of every latent is now known). */
  beginSamples(): void {
    this.phase = 'samples';
    this.tokens = 0;
  }

  add(batch: ContextBatch): void {
    const { acts, contextSize } = batch;
    const { colPtr, row, value } = transpose(acts, this.dSae);
    const N = this.opts.windowRadius;
    /** The window of latent j around its entry e (entries of j are [lo, hi)). */
    const window = (lo: number, hi: number, e: number): Example => {
      const r = row[e];
      const position = r % contextSize;
      const ctxRow = r - position;
      const start = Math.max(0, position - N);
      const end = Math.min(contextSize - 1, position + N);
      const a = new Array<number>(end - start + 1).fill(0);
      for (let f = e; f >= lo && row[f] >= ctxRow + start; f--) a[row[f] - ctxRow - start] = value[f];
      for (let f = e + 1; f < hi && row[f] <= ctxRow + end; f++) a[row[f] - ctxRow - start] = value[f];
      return { context: batch.firstContext + ctxRow / contextSize, position, value: value[e], start, acts: a };
    };
    for (let j = 0; j < this.dSae; j++) {
      const lo = colPtr[j];
      const hi = colPtr[j + 1];
      if (lo === hi) continue;
      if (this.phase === 'stats') this.addStats(j, lo, hi, row, value, contextSize, batch.firstContext, window);
      else this.addSamples(j, lo, hi, value, window);
    }
    this.tokens += acts.rows;
  }

  private addStats(j: number, lo: number, hi: number, row: Uint32Array, value: Float32Array, ctx: number, first: number, window: (lo: number, hi: number, e: number) => Example) {
    const K = this.opts.topK;
    const top = this.top[j];
    let sum = 0;
    let max = this.max[j];
    for (let e = lo; e < hi; e++) {
      const v = value[e];
      sum += v;
      if (v > max) max = v;
      const c = first + Math.floor(row[e] / ctx);
      const p = row[e] % ctx;
      if (top.length < K || above(v, c, p, top[top.length - 1])) {
        let at = top.length;
        while (at > 0 && above(v, c, p, top[at - 1])) at--;
        top.splice(at, 0, window(lo, hi, e));
        if (top.length > K) top.pop();
      }
    }
    this.count[j] += hi - lo;
    this.sum[j] += sum;
    this.max[j] = max;
  }

  private addSamples(j: number, lo: number, hi: number, value: Float32Array, window: (lo: number, hi: number, e: number) => Example) {
    const { bins, intervals: I, perInterval: P } = this.opts;
    const max = this.max[j];
    if (!(max > 0)) return;
    for (let e = lo; e < hi; e++) {
      const v = value[e];
      const bin = Math.min(bins - 1, Math.floor((v / max) * bins));
      this.hist[j * bins + Math.max(0, bin)]++;
      const i = Math.min(I - 1, Math.max(0, Math.ceil((v / max) * I) - 1));
      const slot = j * I + i;
      const n = ++this.intervalCounts[slot];
      const res = (this.reservoirs[slot] ??= []);
      if (res.length < P) {
        res.push(window(lo, hi, e));
        continue;
      }
      const [state, u] = nextRandom(this.rng);
      this.rng = state;
      const r = Math.floor((u / 4294967296) * n);
      if (r < P) res[r] = window(lo, hi, e);
    }
  }

  snapshot(): AccumulatorSnapshot {
    return {
      phase: this.phase,
      tokens: this.tokens,
      count: Array.from(this.count),
      sum: Array.from(this.sum),
      max: Array.from(this.max),
      top: this.top,
      hist: Array.from(this.hist),
      intervalCounts: Array.from(this.intervalCounts),
      reservoirs: this.reservoirs,
      rng: this.rng,
    };
  }

  static restore(s: AccumulatorSnapshot, dSae: number, opts: AnalysisOptions): FeatureAccumulator {
    const a = new FeatureAccumulator(dSae, opts);
    if (s.count.length !== dSae || s.hist.length !== dSae * opts.bins || s.reservoirs.length !== dSae * opts.intervals) {
      throw new Error(`The analysis snapshot is for ${s.count.length} latents, not ${dSae}.`);
    }
    a.phase = s.phase;
    a.tokens = s.tokens;
    a.count.set(s.count);
    a.sum.set(s.sum);
    a.max.set(s.max);
    s.top.forEach((t, j) => (a.top[j] = t));
    a.hist.set(s.hist);
    a.intervalCounts.set(s.intervalCounts);
    s.reservoirs.forEach((r, i) => (a.reservoirs[i] = r));
    a.rng = s.rng;
    return a;
  }
}
