// The analysis on the GPU with the training kernels: the SAE encoder (center_input → matmul →
// bias_act → topk_rows, activations read back and compacted to their nonzeros) and the row
// products behind logit effects and decoder neighbours (matmul against one resident operand).
import { readFloat32, storageBuffer } from '../gpu/buffers';
import { biasActCall } from '../gpu/kernels/bias_act';
import { centerInputCall } from '../gpu/kernels/center_input';
import { matmulCall } from '../gpu/kernels/matmul';
import { topkRowsCall } from '../gpu/kernels/topk_rows';
import { submitCalls } from '../gpu/pipelines';
import type { SaeWeights } from '../sae/types';
import type { RowProduct } from './effects';
import { sparseRows, type Encoder, type EncoderRule } from './encoder';

/** Dense activations read back per submit stay under this (bytes). */
const READBACK_BYTES = 32 * 1024 * 1024;

function tooWide(what: string, bytes: number, limit: number): Error {
  return new Error(`${what} needs ${bytes} bytes in one GPU buffer, over this device's ${limit}-byte limit; analyse a narrower SAE or use a GPU with larger buffers.`);
}

/** `rowsPerSubmit` caps the tokens encoded per submit (default: what fits READBACK_BYTES). */
export function gpuEncoder(device: GPUDevice, weights: SaeWeights, rule: EncoderRule, rowsPerSubmit = 4096): Encoder {
  const { dIn, dSae } = weights;
  const limit = device.limits.maxStorageBufferBindingSize;
  if (dIn * dSae * 4 > limit) throw tooWide('The encoder matrix', dIn * dSae * 4, limit);
  const maxRows = Math.max(1, Math.min(rowsPerSubmit, Math.floor(Math.min(limit, READBACK_BYTES) / (dSae * 4))));
  const wEnc = storageBuffer(device, weights.W_enc, 'analysis-W_enc');
  const bEnc = storageBuffer(device, weights.b_enc, 'analysis-b_enc');
  const bDec = storageBuffer(device, weights.b_dec, 'analysis-b_dec');
  const logThreshold = rule.kind === 'threshold' ? storageBuffer(device, rule.logThreshold, 'analysis-log_threshold') : undefined;
  const x = storageBuffer(device, maxRows * dIn * 4, 'analysis-x');
  const xIn = storageBuffer(device, maxRows * dIn * 4, 'analysis-x_in');
  const pre = storageBuffer(device, maxRows * dSae * 4, 'analysis-pre');
  const acts = storageBuffer(device, maxRows * dSae * 4, 'analysis-acts');
  const mode = rule.kind === 'relu' ? 1 : rule.kind === 'threshold' ? 2 : 0;

  /** Rows [0, n) of x through the encoder; the dense activations read back. */
  async function encodeRows(rows: Float32Array, n: number): Promise<Float32Array> {
    device.queue.writeBuffer(x, 0, rows.buffer, rows.byteOffset, n * dIn * 4);
    const calls = [
      centerInputCall(device, { x, bDec, xIn }, n, dIn, 1),
      matmulCall(device, { a: xIn, b: wEnc, c: pre }, n, dSae, dIn),
      biasActCall(device, { pre, bEnc, logThreshold, acts: mode ? acts : undefined }, n, dSae, mode),
    ];
    if (rule.kind === 'topk') calls.push(topkRowsCall(device, { s: pre, out: acts }, n, dSae, { k: rule.k, relu: true }));
    submitCalls(device, calls);
    return readFloat32(device, acts, n * dSae * 4);
  }

  return {
    dIn,
    dSae,
    async encode(input, nTok) {
      const dense = new Float32Array(nTok * dSae);
      for (let r = 0; r < nTok; r += maxRows) {
        const n = Math.min(maxRows, nTok - r);
        dense.set(await encodeRows(input.subarray(r * dIn, (r + n) * dIn), n), r * dSae);
      }
      return sparseRows(dense, nTok, dSae);
    },
    release() {
      for (const b of [wEnc, bEnc, bDec, logThreshold, x, xIn, pre, acts]) b?.destroy();
    },
  };
}

/** A[rows, K] · B on the GPU, B resident: stored [K, N] ('nn') or [N, K] ('nt'); rows in slices that fit. */
export function gpuProduct(device: GPUDevice, b: Float32Array, K: number, N: number, layout: 'nn' | 'nt'): RowProduct {
  const limit = device.limits.maxStorageBufferBindingSize;
  if (b.byteLength > limit) throw tooWide('The unembedding or decoder', b.byteLength, limit);
  const maxRows = Math.max(1, Math.min(1024, Math.floor(Math.min(limit, READBACK_BYTES) / (N * 4))));
  const bBuf = storageBuffer(device, b, 'analysis-product-b');
  const aBuf = storageBuffer(device, maxRows * K * 4, 'analysis-product-a');
  const cBuf = storageBuffer(device, maxRows * N * 4, 'analysis-product-c');
  return {
    cols: N,
    async multiply(a, rows) {
      const out = new Float32Array(rows * N);
      for (let r = 0; r < rows; r += maxRows) {
        const n = Math.min(maxRows, rows - r);
        device.queue.writeBuffer(aBuf, 0, a.buffer, a.byteOffset + r * K * 4, n * K * 4);
        submitCalls(device, [matmulCall(device, { a: aBuf, b: bBuf, c: cBuf }, n, N, K, layout)]);
        out.set(await readFloat32(device, cBuf, n * N * 4), r * N);
      }
      return out;
    },
    release() {
      for (const buf of [bBuf, aBuf, cBuf]) buf.destroy();
    },
  };
}
