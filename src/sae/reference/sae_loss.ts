// CPU reference for shaders/sae/sae_loss.wgsl: reconstruction and AuxK losses, their gradients,
// the b_dec gradient and the per-step metric reductions.

export interface LossRowsOptions {
  nTok: number;
  dIn: number;
  /** AuxK: recon has 2·nTok rows, the second half the dead latents' raw decoder products. */
  aux?: { kAux: number; coef: number; dead: number };
}

/**
 * recon: [rows, dIn] raw decoder products; xs: [nTok, dIn]; b_dec: [dIn].
 * e = recon + b_dec − xs (sae_out − sae_in). AuxK (SAELens calculate_topk_aux_loss): the dead
 * latents decode with b_dec and target the detached residual xs − sae_out = −e, so their error is
 * a = recon_aux + b_dec + e, with loss c·s·Σa²/nTok, s = min(dead / kAux, 1).
 * Returns dRecon [rows, dIn] and per-token partials [nTok, 4] = (Σe², Σxs², c·s·Σa², 0).
 */
export function lossRowsReference(recon: Float32Array, xs: Float32Array, bDec: Float32Array, o: LossRowsOptions) {
  const { nTok, dIn } = o;
  const rows = o.aux ? 2 * nTok : nTok;
  const dRecon = new Float32Array(rows * dIn);
  const partials = new Float32Array(nTok * 4);
  const inv = 2 / nTok;
  const auxScale = o.aux && o.aux.dead > 0 ? o.aux.coef * Math.min(o.aux.dead / o.aux.kAux, 1) : 0;
  for (let n = 0; n < nTok; n++) {
    let se = 0;
    let sx = 0;
    let sa = 0;
    for (let i = 0; i < dIn; i++) {
      const x = xs[n * dIn + i];
      const e = Math.fround(recon[n * dIn + i] + bDec[i]) - x;
      se += e * e;
      sx += x * x;
      dRecon[n * dIn + i] = inv * e;
      if (o.aux) {
        const a = Math.fround(recon[(nTok + n) * dIn + i] + bDec[i]) + e;
        sa += a * a;
        dRecon[(nTok + n) * dIn + i] = inv * auxScale * a;
      }
    }
    partials.set([se, sx, auxScale * sa, 0], n * 4);
  }
  return { dRecon, partials };
}

/**
 * colX[i] = Σ_n xs[n,i];  g_b_dec[i] = Σ_r dRecon[r,i] − Σ_j W_enc[i,j]·g_b_enc[j]: b_dec is added to
 * every decoded row (main and AuxK, `rows` of dRecon) and enters the encoder as xs − b_dec.
 */
export function lossColumnsReference(xs: Float32Array, dRecon: Float32Array, wEnc: Float32Array, gBEnc: Float32Array, nTok: number, rows: number, dIn: number, dSae: number) {
  const colX = new Float32Array(dIn);
  const gBDec = new Float32Array(dIn);
  for (let i = 0; i < dIn; i++) {
    let cx = 0;
    let cg = 0;
    for (let n = 0; n < nTok; n++) cx += xs[n * dIn + i];
    for (let r = 0; r < rows; r++) cg += dRecon[r * dIn + i];
    let back = 0;
    for (let j = 0; j < dSae; j++) back += wEnc[i * dSae + j] * gBEnc[j];
    colX[i] = cx;
    gBDec[i] = cg - back;
  }
  return { colX, gBDec };
}

/** 0: none (TopK), 1: decoder-norm-weighted L1 (ReLU), 2: L0 (JumpReLU). */
export type SparsityMode = 0 | 1 | 2;

/**
 * Words in the GPU metrics buffer: loss, mse, sparsityLoss, auxLoss, nmse, explainedVariance, l0, l1
 * (finalize), dead, dense (feature_stats), finite flag, then spare slots.
 */
export const METRICS_LEN = 16;

export interface FinalizeInput {
  partials: Float32Array;
  colX: Float32Array;
  /** [2·dSae]: Σ_n acts per latent, then fires per latent. */
  feat: Float32Array;
  norms: Float32Array;
  nTok: number;
  dIn: number;
  dSae: number;
  sparsity: SparsityMode;
  sparsityCoef: number;
}

/** The loss and metric values of slots 0–7 (see METRIC_SLOTS). */
export function lossFinalizeReference(f: FinalizeInput): number[] {
  const n = f.nTok;
  let se = 0;
  let sx = 0;
  let sa = 0;
  for (let r = 0; r < n; r++) {
    se += f.partials[r * 4];
    sx += f.partials[r * 4 + 1];
    sa += f.partials[r * 4 + 2];
  }
  let meanSq = 0;
  for (let i = 0; i < f.dIn; i++) meanSq += (f.colX[i] / n) ** 2;
  let l1 = 0;
  let l0 = 0;
  let weighted = 0;
  for (let j = 0; j < f.dSae; j++) {
    l1 += f.feat[j];
    l0 += f.feat[f.dSae + j];
    weighted += f.norms[j] * f.feat[j];
  }
  const mse = se / n;
  const sparsity = f.sparsity === 1 ? (f.sparsityCoef * weighted) / n : f.sparsity === 2 ? (f.sparsityCoef * l0) / n : 0;
  const aux = sa / n;
  const variance = Math.max(sx - n * meanSq, 1e-6 * sx + 1e-30);
  return [mse + sparsity + aux, mse, sparsity, aux, se / Math.max(sx, 1e-30), 1 - se / variance, l0 / n, l1 / n];
}
