// How much of its model's behaviour an SAE preserves, as SAELens measures it: next-token CE loss clean,
// with the SAE's reconstruction spliced in at its hook, and with the hook zero-ablated; the KL of the
// spliced and ablated next-token distributions from the clean one; and the SAE's explained variance,
// MSE, L0 and dead latents on the same activations. Sums accumulate batch by batch in float64.
import type { Encoder, SparseRows } from '../features/encoder';
import type { SaeWeights } from '../sae/types';
import { tensorToFloat32 } from './extract';
import { logSoftmax } from './sampling';
import type { LmSession } from './session';

/** Running sums over the evaluated tokens; plain data, so a job can store it with its state. */
export interface EvalSums {
  /** Hook activations reconstructed. */
  tokens: number;
  /** Positions with a next token in their context (the CE terms). */
  predictions: number;
  ceClean: number;
  ceSae: number;
  ceZero: number;
  /** Σ over every position of KL(clean ‖ spliced) and KL(clean ‖ ablated). */
  klSae: number;
  klZero: number;
  /** Σ ‖x − x̂‖², Σ ‖x‖², Σ x per dimension [dIn], Σ nonzero latents. */
  sqErr: number;
  sumSq: number;
  sum: number[];
  l0: number;
  /** Tokens each latent fired on [dSae]. */
  fired: number[];
}

export interface EvalScores {
  tokens: number;
  ceClean: number;
  ceSae: number;
  ceZero: number;
  /** (CE_zero − CE_sae) / (CE_zero − CE_clean): 1 for a perfect splice, 0 for one no better than ablation. */
  ceLossScore: number;
  klSae: number;
  klZero: number;
  /** (KL_zero − KL_sae) / KL_zero. */
  klDivScore: number;
  /** 1 − Σ‖x − x̂‖² / Σ‖x − mean(x)‖² over the tokens. */
  explainedVariance: number;
  /** Mean of (x − x̂)² over tokens and dimensions. */
  mse: number;
  /** Mean nonzero latents per token. */
  l0: number;
  /** Latents that never fired on these tokens. */
  deadLatents: number;
}

export function emptySums(dIn: number, dSae: number): EvalSums {
  return { tokens: 0, predictions: 0, ceClean: 0, ceSae: 0, ceZero: 0, klSae: 0, klZero: 0, sqErr: 0, sumSq: 0, sum: new Array<number>(dIn).fill(0), l0: 0, fired: new Array<number>(dSae).fill(0) };
}

/** x̂ = acts·W_dec + b_dec for sparse activations → [rows, dIn]. */
export function decodeSparse(weights: Pick<SaeWeights, 'dIn' | 'W_dec' | 'b_dec'>, acts: SparseRows): Float32Array {
  const d = weights.dIn;
  const out = new Float32Array(acts.rows * d);
  for (let r = 0; r < acts.rows; r++) {
    const o = r * d;
    out.set(weights.b_dec, o);
    for (let e = acts.rowPtr[r]; e < acts.rowPtr[r + 1]; e++) {
      const base = acts.latent[e] * d;
      const v = acts.value[e];
      for (let j = 0; j < d; j++) out[o + j] += v * weights.W_dec[base + j];
    }
  }
  return out;
}

/** Adds the reconstruction terms of x [n, dIn], its reconstruction x̂ and its activations. */
export function addReconstruction(sums: EvalSums, x: Float32Array, xHat: Float32Array, acts: SparseRows): void {
  const d = sums.sum.length;
  for (let i = 0; i < x.length; i++) {
    const e = x[i] - xHat[i];
    sums.sqErr += e * e;
    sums.sumSq += x[i] * x[i];
    sums.sum[i % d] += x[i];
  }
  for (let e = 0; e < acts.rowPtr[acts.rows]; e++) sums.fired[acts.latent[e]]++;
  sums.l0 += acts.rowPtr[acts.rows];
  sums.tokens += acts.rows;
}

/**
 * Adds the CE and KL terms of one batch: tokens [batch, seq] and the clean, spliced and ablated
 * logits [batch, seq, vocab]. CE counts each position that has a next token in its context.
 */
export function addLogits(sums: EvalSums, tokens: ArrayLike<number>, batch: number, seq: number, vocab: number, clean: Float32Array, sae: Float32Array, zero: Float32Array): void {
  const lc = new Float64Array(vocab);
  const ls = new Float64Array(vocab);
  const lz = new Float64Array(vocab);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < seq; t++) {
      const row = b * seq + t;
      logSoftmax(clean, row * vocab, vocab, lc);
      logSoftmax(sae, row * vocab, vocab, ls);
      logSoftmax(zero, row * vocab, vocab, lz);
      let klS = 0;
      let klZ = 0;
      for (let v = 0; v < vocab; v++) {
        const p = Math.exp(lc[v]);
        if (p === 0) continue;
        klS += p * (lc[v] - ls[v]);
        klZ += p * (lc[v] - lz[v]);
      }
      sums.klSae += klS;
      sums.klZero += klZ;
      if (t + 1 < seq) {
        const next = tokens[row + 1];
        sums.ceClean -= lc[next];
        sums.ceSae -= ls[next];
        sums.ceZero -= lz[next];
        sums.predictions++;
      }
    }
  }
}

export function scores(sums: EvalSums): EvalScores {
  const n = sums.tokens;
  const d = sums.sum.length;
  const ce = (s: number) => s / sums.predictions;
  const [ceClean, ceSae, ceZero] = [ce(sums.ceClean), ce(sums.ceSae), ce(sums.ceZero)];
  const klSae = sums.klSae / n;
  const klZero = sums.klZero / n;
  // Σ‖x − μ‖² = Σ‖x‖² − n‖μ‖²
  let meanSq = 0;
  for (const s of sums.sum) meanSq += (s / n) ** 2;
  const total = sums.sumSq - n * meanSq;
  return {
    tokens: n,
    ceClean,
    ceSae,
    ceZero,
    ceLossScore: (ceZero - ceSae) / (ceZero - ceClean),
    klSae,
    klZero,
    klDivScore: (klZero - klSae) / klZero,
    explainedVariance: 1 - sums.sqErr / total,
    mse: sums.sqErr / (n * d),
    l0: sums.l0 / n,
    deadLatents: sums.fired.filter((c) => c === 0).length,
  };
}

/** The sessions an evaluation runs: one exposing the hook (it may be pruned to it), one splicing it. */
export interface EvalModel {
  hook: string;
  /** Its outputs include `hook`. */
  hookSession: LmSession;
  /** Its graph replaces `hook` with the input `spliceInput` and outputs logits. */
  spliceSession: LmSession;
  spliceInput: string;
}

/**
 * One batch of contexts, tokens [batch, seq]: 1. the hook's activations, 2. the SAE's reconstruction,
 * 3. the logits with the hook spliced with itself (clean), the reconstruction and zeros, 4. their sums.
 */
export async function evaluateBatch(model: EvalModel, encoder: Encoder, weights: SaeWeights, tokens: ArrayLike<number>, batch: number, sums: EvalSums): Promise<void> {
  const seq = tokens.length / batch;
  const n = tokens.length;
  const x = Float32Array.from(tensorToFloat32((await model.hookSession.forward({ inputIds: tokens, batch }))[model.hook]));
  const acts = await encoder.encode(x, n);
  const xHat = decodeSparse(weights, acts);
  const dims = [batch, seq, weights.dIn];
  const logits = async (value: Float32Array) => {
    const out = await model.spliceSession.forward({ inputIds: tokens, batch, extra: { [model.spliceInput]: model.spliceSession.streamTensor(value, dims) } });
    return out.logits;
  };
  const clean = await logits(x);
  const spliced = await logits(xHat);
  const zero = await logits(new Float32Array(x.length));
  addReconstruction(sums, x, xHat, acts);
  addLogits(sums, tokens, batch, seq, clean.dims[2], tensorToFloat32(clean), tensorToFloat32(spliced), tensorToFloat32(zero));
}
