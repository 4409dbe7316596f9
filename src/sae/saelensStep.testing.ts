// Test oracle: one TopK training step written straight from SAELens's code, independent of Lantern's
// engine (plain f64 loops, its own backward pass): TopKTrainingSAE.training_forward_pass with
// calculate_topk_aux_loss, then SAETrainer._train_step's clip_grad_norm_(params, max_norm) and torch Adam.
import { randomArray } from '@/gpu/testing';
import { deadWindowTokens, type SaeConfig } from './config';
import { initialState, type SaeState } from './state';

/** An initialised state with b_dec, b_enc ≠ 0 whose latents `dead` have not fired for a whole window (and are counted so). */
export function stateWithDead(config: SaeConfig, dead: number[]): SaeState {
  const s = initialState(config);
  s.initialized = true;
  s.params.b_dec = randomArray(config.dIn, 7, -0.5, 0.5);
  s.params.b_enc = randomArray(config.dSae, 8, -0.2, 0.2);
  for (const j of dead) s.sinceFired[j] = deadWindowTokens(config);
  s.deadInfo[0] = dead.length;
  return s;
}

export interface SaelensTopkInput {
  /** [nTok, dIn] sae_in (already normalised) */ x: Float32Array;
  nTok: number;
  dIn: number;
  dSae: number;
  k: number;
  /** [dIn, dSae] */ W_enc: Float32Array;
  /** [dSae, dIn] */ W_dec: Float32Array;
  /** [dSae] */ b_enc: Float32Array;
  /** [dIn] */ b_dec: Float32Array;
  /** [dSae] dead_neuron_mask */ dead: ArrayLike<boolean>;
  /** TopKTrainingSAEConfig.aux_loss_coefficient */ auxCoefficient: number;
  /** clip_grad_norm_ max_norm; undefined: no clipping */ maxGradNorm?: number;
  /** torch.optim.Adam from zero moments (the first step) */
  adam: { lr: number; beta1: number; beta2: number; eps: number };
}

type Params = { W_enc: Float64Array; W_dec: Float64Array; b_enc: Float64Array; b_dec: Float64Array };

export interface SaelensTopkOutput {
  mseLoss: number;
  auxLoss: number;
  loss: number;
  /** Gradients as Adam sees them (after clipping). */
  grads: Params;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** Parameters after the Adam step. */
  params: Params;
}

/** SAELens's step on `x` [batchSize, dIn] from state `s` with latents `dead` masked, under `config`'s AuxK coefficient, clipping and Adam. */
export function saelensStepFrom(config: SaeConfig, s: SaeState, dead: number[], x: Float32Array): SaelensTopkOutput {
  return saelensTopkStep({
    x,
    nTok: config.batchSize,
    dIn: config.dIn,
    dSae: config.dSae,
    k: config.k,
    ...s.params,
    dead: Array.from({ length: config.dSae }, (_, j) => dead.includes(j)),
    auxCoefficient: config.auxCoefficient,
    maxGradNorm: config.gradClipNorm > 0 ? config.gradClipNorm : undefined,
    adam: config,
  });
}

/** Indices of the k largest entries of `row` among `allowed` (torch.topk). */
function topk(row: Float64Array, k: number, allowed: (j: number) => boolean): number[] {
  const idx = [...row.keys()].filter(allowed);
  idx.sort((a, b) => row[b] - row[a]);
  return idx.slice(0, k);
}

export function saelensTopkStep(o: SaelensTopkInput): SaelensTopkOutput {
  const { nTok: n, dIn: d, dSae: h, k } = o;
  // Forward: sae_in − b_dec (apply_b_dec_to_input), hidden_pre, TopK then ReLU, decode with b_dec.
  const xIn = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) xIn[r * d + i] = o.x[r * d + i] - o.b_dec[i];
  const pre = new Float64Array(n * h);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < h; j++) {
      let s = o.b_enc[j];
      for (let i = 0; i < d; i++) s += xIn[r * d + i] * o.W_enc[i * h + j];
      pre[r * h + j] = s;
    }
  }
  const decode = (acts: Float64Array) => {
    const out = new Float64Array(n * d);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++) {
        let s = o.b_dec[i];
        for (let j = 0; j < h; j++) s += acts[r * h + j] * o.W_dec[j * d + i];
        out[r * d + i] = s;
      }
    }
    return out;
  };
  const acts = new Float64Array(n * h);
  for (let r = 0; r < n; r++) for (const j of topk(pre.subarray(r * h, (r + 1) * h), k, () => true)) acts[r * h + j] = Math.max(pre[r * h + j], 0);
  const out = decode(acts);
  let mse = 0;
  for (let q = 0; q < n * d; q++) mse += (out[q] - o.x[q]) ** 2;
  const mseLoss = mse / n;

  // calculate_topk_aux_loss: top-k_aux dead latents (no ReLU) decode the detached residual x − sae_out.
  let numDead = 0;
  for (let j = 0; j < h; j++) if (o.dead[j]) numDead++;
  const auxActs = new Float64Array(n * h);
  let auxLoss = 0;
  let scale = 0;
  const auxErr = new Float64Array(n * d);
  if (numDead > 0) {
    const kAux0 = Math.floor(d / 2);
    scale = Math.min(numDead / kAux0, 1);
    const kAux = Math.min(kAux0, numDead);
    for (let r = 0; r < n; r++) for (const j of topk(pre.subarray(r * h, (r + 1) * h), kAux, (jj) => o.dead[jj])) auxActs[r * h + j] = pre[r * h + j];
    const recons = decode(auxActs);
    let s = 0;
    for (let q = 0; q < n * d; q++) {
      auxErr[q] = recons[q] - (o.x[q] - out[q]);
      s += auxErr[q] ** 2;
    }
    auxLoss = o.auxCoefficient * scale * (s / n);
  }

  // Backward, by hand: ∂/∂sae_out and ∂/∂recons, then through decode, TopK / ReLU, encode, b_dec twice.
  const g: Params = { W_enc: new Float64Array(d * h), W_dec: new Float64Array(h * d), b_enc: new Float64Array(h), b_dec: new Float64Array(d) };
  const dOut = Float64Array.from({ length: n * d }, (_, q) => (2 * (out[q] - o.x[q])) / n);
  const dRec = Float64Array.from(auxErr, (e) => (2 * o.auxCoefficient * scale * e) / n);
  const dPre = new Float64Array(n * h);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) g.b_dec[i] += dOut[r * d + i] + dRec[r * d + i];
    for (let j = 0; j < h; j++) {
      const a = acts[r * h + j];
      const aa = auxActs[r * h + j];
      let dA = 0;
      let dAux = 0;
      for (let i = 0; i < d; i++) {
        g.W_dec[j * d + i] += a * dOut[r * d + i] + aa * dRec[r * d + i];
        dA += dOut[r * d + i] * o.W_dec[j * d + i];
        dAux += dRec[r * d + i] * o.W_dec[j * d + i];
      }
      // ReLU passes the gradient where its output is positive; the AuxK scatter where selected.
      dPre[r * h + j] = (a > 0 ? dA : 0) + (aa !== 0 ? dAux : 0);
    }
  }
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < h; j++) {
      const dp = dPre[r * h + j];
      if (dp === 0) continue;
      g.b_enc[j] += dp;
      for (let i = 0; i < d; i++) {
        g.W_enc[i * h + j] += xIn[r * d + i] * dp;
        g.b_dec[i] -= o.W_enc[i * h + j] * dp;
      }
    }
  }

  // clip_grad_norm_: total = ‖(‖g_p‖)_p‖₂, coef = max_norm / (total + 1e-6), clamped to 1.
  let sq = 0;
  for (const a of Object.values(g)) for (const v of a) sq += v * v;
  const gradNorm = Math.sqrt(sq);
  if (o.maxGradNorm !== undefined) {
    const coef = Math.min(o.maxGradNorm / (gradNorm + 1e-6), 1);
    for (const a of Object.values(g)) for (let q = 0; q < a.length; q++) a[q] *= coef;
  }

  // torch Adam, first step: m = (1−β1)g, v = (1−β2)g², p −= lr/bc1 · m / (√v/√bc2 + ε).
  const { lr, beta1, beta2, eps } = o.adam;
  const bc1 = 1 - beta1;
  const bc2 = 1 - beta2;
  const step = (p: Float32Array, grad: Float64Array) =>
    Float64Array.from(p, (v, q) => {
      const m = (1 - beta1) * grad[q];
      const vv = (1 - beta2) * grad[q] * grad[q];
      return v - ((lr / bc1) * m) / (Math.sqrt(vv) / Math.sqrt(bc2) + eps);
    });
  const params: Params = { W_enc: step(o.W_enc, g.W_enc), W_dec: step(o.W_dec, g.W_dec), b_enc: step(o.b_enc, g.b_enc), b_dec: step(o.b_dec, g.b_dec) };
  return { mseLoss, auxLoss, loss: mseLoss + auxLoss, grads: g, gradNorm, params };
}
