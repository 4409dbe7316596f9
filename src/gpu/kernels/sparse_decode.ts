// Launcher for shaders/sae/sparse_decode.wgsl: decoder forward (overwriting or accumulating) and
// ∂L/∂acts over non-zero activations.
import source from '@shaders/sae/sparse_decode.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, grid, makeCall, type KernelCall } from '../pipelines';

const WG = 64;

export interface SparseDecodeBuffers {
  /** [rows, dSae] */ acts: GPUBuffer;
  /** [dSae, dIn] */ wDec: GPUBuffer;
  /** [rows, dIn] out of decode */ recon: GPUBuffer;
  /** [rows, dIn] input of gradActs */ dRecon: GPUBuffer;
  /** [rows, dSae] out of gradActs */ dActs: GPUBuffer;
}

/** `accumulate`: decode adds to recon (the latents of a column shard after the first). */
export function sparseDecodeCalls(device: GPUDevice, b: SparseDecodeBuffers, rows: number, dIn: number, dSae: number, accumulate = false): { decode: KernelCall; gradActs: KernelCall } {
  const dims = uniformBuffer(device, new Uint32Array([rows, dIn, dSae, 0]).buffer, 'sparse_decode-dims');
  const u = undefined;
  return {
    decode: makeCall(device, 'sparse_decode-decode', cachedPipeline(device, 'sparse_decode', source, 'decode', { WG, ACCUMULATE: accumulate ? 1 : 0 }), [b.acts, b.wDec, b.recon, u, u, dims], grid(rows, WG)),
    gradActs: makeCall(device, 'sparse_decode-grad_acts', cachedPipeline(device, 'sparse_decode', source, 'grad_acts', { WG }), [b.acts, b.wDec, u, b.dRecon, b.dActs, dims], grid(rows, WG)),
  };
}
