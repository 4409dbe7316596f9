// Default and steered continuations of one prompt with one seed, generated a token at a time in
// turn so both stream together, each token with its probability and the 5 likeliest alternatives.
import { generate, type GenerateOptions } from './generate';
import type { LmSession, ort } from './session';

export type Side = 'default' | 'steered';

export interface TokenChoice {
  token: number;
  /** Probability under the model's softmax (temperature 1) at this step. */
  prob: number;
}

export interface TokenStep extends TokenChoice {
  /** The 5 likeliest tokens at this step, likeliest first (the drawn token may be among them). */
  top: TokenChoice[];
}

/** The drawn token's probability and the top-5 under softmax(logits). */
export function tokenStep(logits: ArrayLike<number>, token: number, topN = 5): TokenStep {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - max);
  const prob = (t: number) => Math.exp(logits[t] - max) / z;
  // Insertion into a short sorted list: O(vocab · topN).
  const top: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    if (top.length === topN && logits[i] <= logits[top[topN - 1]]) continue;
    let at = top.length;
    while (at > 0 && logits[top[at - 1]] < logits[i]) at--;
    top.splice(at, 0, i);
    if (top.length > topN) top.pop();
  }
  return { token, prob: prob(token), top: top.map((t) => ({ token: t, prob: prob(t) })) };
}

/** The index of the first position where two token lists differ, or -1 when one is a prefix of the other. */
export function firstDifference(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

export interface SideBySideOptions extends Omit<GenerateOptions, 'feeds' | 'onLogits'> {
  /** The steered session's steer/clamp feeds. */
  feeds: Record<string, ort.Tensor>;
}

/**
 * Generates the default continuation on `plain` and the steered one on `steered` (same prompt,
 * options and seed), alternating one token each, calling `onStep` as each token arrives.
 */
export async function sideBySide(
  plain: LmSession,
  steered: LmSession,
  prompt: number[],
  opts: SideBySideOptions,
  onStep: (side: Side, step: TokenStep, index: number) => void,
): Promise<Record<Side, number[]>> {
  const { feeds, ...common } = opts;
  const out: Record<Side, number[]> = { default: [], steered: [] };
  const stream = (side: Side, session: LmSession, extra?: Record<string, ort.Tensor>) => {
    const it = generate(session, prompt, { ...common, feeds: extra, onLogits: (logits, token) => onStep(side, tokenStep(logits, token), out[side].length) });
    return { side, it };
  };
  let live = [stream('default', plain), stream('steered', steered, feeds)];
  while (live.length) {
    const next: typeof live = [];
    for (const s of live) {
      const r = await s.it.next();
      if (r.done) continue;
      out[s.side].push(r.value);
      next.push(s);
    }
    live = next;
  }
  return out;
}
