// CPU reference for shaders/sae/topk_batch.wgsl: BatchTopK over the whole batch and its threshold EMA.

/**
 * pre: [nTok, dSae]. Keeps the k·nTok largest of ReLU(pre) (ties at the threshold all kept, zeros
 * never). Returns the acts and T, the smallest kept value (0 when fewer positives than k·nTok).
 */
export function topkBatchReference(pre: Float32Array, nTok: number, k: number) {
  const r = Float32Array.from(pre, (v) => Math.max(v, 0));
  const positives = Array.from(r).filter((v) => v > 0).sort((a, b) => b - a);
  const rank = k * nTok;
  const t = positives.length >= rank ? positives[rank - 1] : 0;
  const acts = r.map((v) => (v > 0 && v >= t ? v : 0));
  return { acts, t };
}

/** threshold ← (1 − rate)·threshold + rate·T, only when T > 0. */
export function batchThresholdReference(threshold: number, t: number, rate: number): number {
  return t > 0 ? Math.fround(Math.fround(1 - rate) * threshold + Math.fround(rate * t)) : threshold;
}
