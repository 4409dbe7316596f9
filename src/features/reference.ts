// Plain-CPU reference of the per-latent statistics, straight from a dense activation matrix with
// no streaming and no sparsity: the oracle the accumulator (on CPU or GPU encodings) is tested against.
import type { AnalysisOptions } from './types';

export interface ReferenceStats {
  count: number[];
  mean: number[];
  max: number[];
  /** Top-K (context, position, value), larger value first, then the earlier token. */
  top: { context: number; position: number; value: number }[][];
  /** [dSae][bins] over (0, max]. */
  hist: number[][];
  /** [dSae][intervals] over (0, max]. */
  intervalCounts: number[][];
}

/** acts: [tokens, dSae] with token t = position t % contextSize of context ⌊t / contextSize⌋. */
export function referenceStats(acts: Float32Array, tokens: number, dSae: number, contextSize: number, o: AnalysisOptions): ReferenceStats {
  const out: ReferenceStats = { count: [], mean: [], max: [], top: [], hist: [], intervalCounts: [] };
  for (let j = 0; j < dSae; j++) {
    const fired: { context: number; position: number; value: number }[] = [];
    for (let t = 0; t < tokens; t++) {
      const v = acts[t * dSae + j];
      if (v !== 0) fired.push({ context: Math.floor(t / contextSize), position: t % contextSize, value: v });
    }
    const max = fired.reduce((m, f) => Math.max(m, f.value), 0);
    const sum = fired.reduce((s, f) => s + f.value, 0);
    const hist = new Array<number>(o.bins).fill(0);
    const intervals = new Array<number>(o.intervals).fill(0);
    for (const f of fired) {
      hist[Math.min(o.bins - 1, Math.floor((f.value / max) * o.bins))]++;
      intervals[Math.min(o.intervals - 1, Math.max(0, Math.ceil((f.value / max) * o.intervals) - 1))]++;
    }
    out.count.push(fired.length);
    out.mean.push(fired.length ? sum / fired.length : 0);
    out.max.push(max);
    out.top.push([...fired].sort((a, b) => b.value - a.value || a.context - b.context || a.position - b.position).slice(0, o.topK));
    out.hist.push(hist);
    out.intervalCounts.push(intervals);
  }
  return out;
}
