// Next-token sampling: frequency penalty, temperature, top-k, top-p (nucleus) and greedy, driven by a
// seeded generator.

export interface SamplingOptions {
  /** ≤ 0 (default) is greedy argmax. */
  temperature?: number;
  /** Keep the k most likely tokens (0 or absent: all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 or absent: all). */
  topP?: number;
  /**
   * OpenAI's frequency penalty: before anything else, logit[t] −= penalty × (times t was generated so
   * far; prompt tokens do not count). 0 or absent: off; negative values encourage repeats.
   */
  frequencyPenalty?: number;
}

/** logits [vocab] with logit[t] −= penalty·counts[t] for every generated token t; the input is untouched. */
export function penalizeFrequency(logits: ArrayLike<number>, counts: ReadonlyMap<number, number>, penalty: number): Float32Array {
  const out = Float32Array.from(logits);
  if (penalty !== 0) for (const [t, n] of counts) out[t] -= penalty * n;
  return out;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** Samples one token id from logits [vocab] with `rand` uniform in [0, 1). */
export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, rand: () => number): number {
  const t = opts.temperature ?? 0;
  if (t <= 0) return argmax(logits);
  // 1. Candidates sorted by logit, cut to top-k.
  let ids = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b] - logits[a]);
  if (opts.topK && opts.topK > 0) ids = ids.slice(0, opts.topK);
  // 2. Softmax at temperature t over the candidates.
  const max = logits[ids[0]];
  const p = ids.map((i) => Math.exp((logits[i] - max) / t));
  const z = p.reduce((a, b) => a + b, 0);
  for (let i = 0; i < p.length; i++) p[i] /= z;
  // 3. Nucleus: the shortest prefix reaching top-p.
  let n = p.length;
  if (opts.topP !== undefined && opts.topP < 1) {
    let acc = 0;
    for (n = 0; n < p.length && acc < opts.topP; n++) acc += p[n];
    n = Math.max(n, 1);
  }
  // 4. Inverse-CDF draw over the kept mass.
  const mass = p.slice(0, n).reduce((a, b) => a + b, 0);
  let u = rand() * mass;
  for (let i = 0; i < n; i++) {
    u -= p[i];
    if (u < 0) return ids[i];
  }
  return ids[n - 1];
}

/** log softmax of logits[offset, offset + vocab), in float64, into `out` (a new array when absent). */
export function logSoftmax(logits: Float32Array, offset: number, vocab: number, out = new Float64Array(vocab)): Float64Array {
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) max = Math.max(max, logits[offset + v]);
  let z = 0;
  for (let v = 0; v < vocab; v++) z += Math.exp(logits[offset + v] - max);
  const lz = max + Math.log(z);
  for (let v = 0; v < vocab; v++) out[v] = logits[offset + v] - lz;
  return out;
}
