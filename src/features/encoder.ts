// The SAE encoder as the analysis runs it: the inference rule of each architecture, its plain-CPU
// reference (composed from the training kernels' references), and the sparse rows it hands on.
import { matmulReference } from '../gpu/reference/matmul';
import { biasActReference } from '../sae/reference/bias_act';
import { centerInputReference } from '../sae/reference/center_input';
import { topkRowsReference } from '../sae/reference/topk_rows';
import type { Architecture, SaeWeights } from '../sae/types';

/** How hidden_pre = (x − b_dec)·W_enc + b_enc becomes activations at inference. */
export type EncoderRule = { kind: 'relu' } | { kind: 'topk'; k: number } | { kind: 'threshold'; logThreshold: Float32Array };

/**
 * The inference rule of an architecture: ReLU; TopK (the k largest, ReLU'd); JumpReLU and BatchTopK
 * (saved as JumpReLU with its running threshold) keep hidden_pre above θ.
 */
export function encoderRule(arch: Architecture, weights: SaeWeights, k?: number): EncoderRule {
  if (arch === 'relu') return { kind: 'relu' };
  if (arch === 'topk') {
    if (!k || k < 1) throw new Error('A TopK SAE needs k ≥ 1.');
    return { kind: 'topk', k: Math.min(k, weights.dSae) };
  }
  if (!weights.threshold) throw new Error(`A ${arch} SAE needs its thresholds.`);
  return { kind: 'threshold', logThreshold: weights.threshold.map((t) => Math.log(Math.max(t, 1e-30))) };
}

/** Nonzero activations of `rows` tokens in CSR form: row r holds entries [rowPtr[r], rowPtr[r+1]). */
export interface SparseRows {
  rows: number;
  rowPtr: Uint32Array;
  latent: Uint32Array;
  value: Float32Array;
}

export interface Encoder {
  readonly dIn: number;
  readonly dSae: number;
  /** x: [nTok, dIn] → the nonzero activations of every token. */
  encode(x: Float32Array, nTok: number): Promise<SparseRows>;
  release(): void;
}

/** The nonzeros of a dense [rows, cols] matrix, row by row in column order. */
export function sparseRows(dense: Float32Array, rows: number, cols: number): SparseRows {
  let nnz = 0;
  for (let i = 0; i < rows * cols; i++) if (dense[i] !== 0) nnz++;
  const rowPtr = new Uint32Array(rows + 1);
  const latent = new Uint32Array(nnz);
  const value = new Float32Array(nnz);
  let e = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) {
      const v = dense[base + j];
      if (v !== 0) {
        latent[e] = j;
        value[e++] = v;
      }
    }
    rowPtr[r + 1] = e;
  }
  return { rows, rowPtr, latent, value };
}

/** Dense activations [nTok, dSae] by the CPU references of center_input, matmul, bias_act and topk_rows. */
export function encodeReference(weights: SaeWeights, rule: EncoderRule, x: Float32Array, nTok: number): Float32Array {
  const { dIn, dSae } = weights;
  const { xIn } = centerInputReference(x, weights.b_dec, nTok, dIn, 1);
  const pre = matmulReference(xIn, weights.W_enc, nTok, dSae, dIn);
  const mode = rule.kind === 'relu' ? 1 : rule.kind === 'threshold' ? 2 : 0;
  const { hidden, acts } = biasActReference(pre, weights.b_enc, rule.kind === 'threshold' ? rule.logThreshold : undefined, nTok, dSae, mode);
  return rule.kind === 'topk' ? topkRowsReference(hidden, nTok, dSae, { k: rule.k, relu: true }) : acts;
}

/** The CPU encoder: used without WebGPU, and the oracle the GPU encoder is tested against. */
export function cpuEncoder(weights: SaeWeights, rule: EncoderRule): Encoder {
  return {
    dIn: weights.dIn,
    dSae: weights.dSae,
    encode: async (x, nTok) => sparseRows(encodeReference(weights, rule, x, nTok), nTok, weights.dSae),
    release: () => {},
  };
}
