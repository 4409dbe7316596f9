// Launcher for shaders/sae/sparse_weight_grads.wgsl: TopK-family weight gradients from sparse activations.
import source from '@shaders/sae/sparse_weight_grads.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, groups, makeCall, type KernelCall } from '../pipelines';

const WG = 64;

export interface SparseWeightGradsBuffers {
  /** [rows, dSae]; the first nTok rows hold dPre (encode_backward's output) */ dPre: GPUBuffer;
  /** [rows, dSae] */ acts: GPUBuffer;
  /** [nTok, dIn] */ xIn: GPUBuffer;
  /** [rows, dIn] */ dRecon: GPUBuffer;
  /** [dIn, dSae] out */ gWEnc: GPUBuffer;
  /** [dSae, dIn] out */ gWDec: GPUBuffer;
}

export function sparseWeightGradsCall(device: GPUDevice, b: SparseWeightGradsBuffers, nTok: number, rows: number, dIn: number, dSae: number): KernelCall {
  const dims = uniformBuffer(device, new Uint32Array([nTok, rows, dSae, dIn]).buffer, 'sparse_weight_grads-dims');
  const p = cachedPipeline(device, 'sparse_weight_grads', source, 'main', { WG });
  return makeCall(device, 'sparse_weight_grads', p, [b.dPre, b.acts, b.xIn, b.dRecon, b.gWEnc, b.gWDec, dims], [groups(dSae, WG)]);
}
