// Test helpers for feature analysis: a planted SAE on the fixture GPT-2 whose latent `j` fires
// exactly on one token's hook activations (checked against the reference forward pass), an SAE
// that reconstructs its input exactly, a seeded random SAE, and ReLU activations by the definition.
import { randomArray } from '@/gpu/testing';
import { seededRandom } from '../lm/random';
import { referenceForward } from '../lm/reference/forward';
import { fixture } from '../lm/testing';
import { loadTokenizer } from '../lm/tokenizer';
import type { SaeWeights } from '../sae/types';
import { preActs } from '../sae/weights.testing';

export const PLANTED_TEXT =
  'The quick brown fox jumps over the lazy dog. Colours: red, green, blue. Numbers: 1 2 3 4 5 6 7 8 9 10. ' +
  'A lantern glows by the river; the miller counts sacks of grain while owls call. Zebras queue at the zoo. ';

export interface Planted {
  weights: SaeWeights;
  /** The planted latent and the token it detects. */
  latent: number;
  token: number;
  /** Token ids, [contexts, contextSize]. */
  tokens: Int32Array;
  contexts: number;
  contextSize: number;
  /** Every (context, position) holding `token`. */
  occurrences: { context: number; position: number }[];
  /** The latent's value at each occurrence by the reference forward pass (relu(w·x + b)). */
  referenceValues: number[];
}

export function fixtureTokenizer() {
  const f = fixture('tiny-gpt2');
  const json = (p: string) => JSON.parse(new TextDecoder().decode(f.files.get(p))) as Record<string, unknown>;
  return { tokenizer: loadTokenizer(json('tokenizer.json'), json('tokenizer_config.json')), tokenizerJson: json('tokenizer.json') };
}

/**
 * A ReLU SAE of width dSae at `hook` of the fixture GPT-2: latent `latent` reads the unit direction
 * from the mean activation of every other token to the mean activation at `token`, with its bias
 * half-way between the highest score elsewhere and the lowest at `token`; the other latents are
 * seeded random directions. Throws if the token is not separable at this hook (a test precondition).
 */
export function plantedSae(o: { hook: string; dSae: number; latent: number; token: number; contextSize: number; text?: string; repeat?: number }): Planted {
  const f = fixture('tiny-gpt2');
  const d = f.spec.dModel;
  const ids = fixtureTokenizer().tokenizer.encode((o.text ?? PLANTED_TEXT).repeat(o.repeat ?? 2));
  const contexts = Math.floor(ids.length / o.contextSize);
  const tokens = Int32Array.from(ids.slice(0, contexts * o.contextSize));
  // 1. Reference hook activations of every context.
  const acts: Float32Array[] = [];
  for (let c = 0; c < contexts; c++) acts.push(referenceForward(f.spec, f.weights, tokens.subarray(c * o.contextSize, (c + 1) * o.contextSize)).hooks[o.hook]);
  const row = (i: number) => acts[Math.floor(i / o.contextSize)].subarray((i % o.contextSize) * d, (i % o.contextSize + 1) * d);
  // 2. Mean-difference direction, unit length.
  const on = new Float64Array(d);
  const off = new Float64Array(d);
  let nOn = 0;
  for (let i = 0; i < tokens.length; i++) {
    const target = tokens[i] === o.token ? on : off;
    if (tokens[i] === o.token) nOn++;
    row(i).forEach((v, k) => (target[k] += v));
  }
  if (!nOn) throw new Error(`token ${o.token} does not occur in the text`);
  const w = new Float64Array(d).map((_, k) => on[k] / nOn - off[k] / (tokens.length - nOn));
  const norm = Math.hypot(...w);
  const dir = Float32Array.from(w, (v) => v / norm);
  // 3. Threshold half-way between the two score ranges.
  const score = (i: number) => row(i).reduce((s, v, k) => s + v * dir[k], 0);
  let lowOn = Infinity;
  let highOff = -Infinity;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === o.token) lowOn = Math.min(lowOn, score(i));
    else highOff = Math.max(highOff, score(i));
  }
  if (!(lowOn > highOff + 0.1)) throw new Error(`token ${o.token} is not separable at ${o.hook} (${lowOn} ≤ ${highOff} + 0.1)`);
  const bias = -(lowOn + highOff) / 2;
  // 4. The SAE: latent `latent` is the detector, the others random.
  const rand = seededRandom(7);
  const W_enc = new Float32Array(d * o.dSae);
  const W_dec = new Float32Array(o.dSae * d);
  const b_enc = new Float32Array(o.dSae);
  for (let j = 0; j < o.dSae; j++) {
    for (let k = 0; k < d; k++) {
      W_enc[k * o.dSae + j] = j === o.latent ? dir[k] : rand() * 2 - 1;
      W_dec[j * d + k] = j === o.latent ? dir[k] : rand() * 2 - 1;
    }
    b_enc[j] = j === o.latent ? bias : -rand() * 4;
  }
  const occurrences: Planted['occurrences'] = [];
  const referenceValues: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] !== o.token) continue;
    occurrences.push({ context: Math.floor(i / o.contextSize), position: i % o.contextSize });
    referenceValues.push(score(i) + bias);
  }
  return {
    weights: { dIn: d, dSae: o.dSae, W_enc, W_dec, b_enc, b_dec: new Float32Array(d) },
    latent: o.latent,
    token: o.token,
    tokens,
    contexts,
    contextSize: o.contextSize,
    occurrences,
    referenceValues,
  };
}

/** A ReLU SAE with weights drawn from `seed` (encoder and decoder in [−0.5, 0.5]). */
export function randomSae(d: number, dSae: number, seed: number): SaeWeights {
  return {
    dIn: d,
    dSae,
    W_enc: randomArray(d * dSae, seed, -0.5, 0.5),
    W_dec: randomArray(dSae * d, seed + 1, -0.5, 0.5),
    b_enc: randomArray(dSae, seed + 2, -0.2, 0.4),
    b_dec: randomArray(d, seed + 3, -0.1, 0.1),
  };
}

/** ReLU activations [n, dSae] of the rows of x [n, d], in float64 by the definition. */
export function reluActs(sae: SaeWeights, x: Float32Array, n: number): Float64Array {
  return preActs(sae, x, n).map((pre) => Math.max(pre, 0));
}
