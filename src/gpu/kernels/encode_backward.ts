// Launcher for shaders/sae/encode_backward.wgsl: dPre (in place over dActs), b_enc and threshold
// gradients, per-latent Σ acts and fire counts.
import source from '@shaders/sae/encode_backward.wgsl?raw';
import type { BackwardArch } from '@/sae/reference/encode_backward';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, groups, makeCall, placeholder, type KernelCall } from '../pipelines';

const WG = 64;

export interface EncodeBackwardBuffers {
  /** [nTok, dSae] */ pre: GPUBuffer;
  /** [rows, dSae] */ acts: GPUBuffer;
  /** [rows, dSae], first nTok rows become dPre */ dActs: GPUBuffer;
  /** [dSae] (ReLU) */ norms: GPUBuffer;
  /** [dSae] (JumpReLU) */ logThreshold: GPUBuffer;
  /** [dSae] out */ gBEnc: GPUBuffer;
  /** [dSae] out (JumpReLU) */ gLogThreshold: GPUBuffer;
  /** [2·dSae] out */ feat: GPUBuffer;
  /** StepParams uniform */ step: GPUBuffer;
  /** Sparse weight gradients (TopK family): x_in [nTok, dIn], dRecon [rows, dIn], outputs gWEnc [dIn, dSae], gWDec [dSae, dIn]. */
  sparse?: { xIn: GPUBuffer; dRecon: GPUBuffer; gWEnc: GPUBuffer; gWDec: GPUBuffer };
}

export interface EncodeBackwardOptions {
  nTok: number;
  dSae: number;
  arch: BackwardArch;
  aux: boolean;
  bandwidth: number;
  /** Needed with sparse gradients. */
  dIn?: number;
}

export function encodeBackwardCall(device: GPUDevice, b: EncodeBackwardBuffers, o: EncodeBackwardOptions): KernelCall {
  const words = new ArrayBuffer(16);
  new Uint32Array(words).set([o.nTok, o.dSae, 0, o.dIn ?? 0]);
  new Float32Array(words)[2] = o.bandwidth;
  const dims = uniformBuffer(device, words, 'encode_backward-dims');
  const p = cachedPipeline(device, 'encode_backward', source, 'main', { WG, ARCH: o.arch, AUX: o.aux ? 1 : 0, SPARSE_GRADS: b.sparse ? 1 : 0 });
  const sp = b.sparse;
  const bufs = [
    ...[b.pre, b.acts, b.dActs, b.norms, b.logThreshold, b.gBEnc, b.gLogThreshold, b.feat, b.step, dims],
    ...[sp?.xIn, sp?.dRecon, sp?.gWEnc, sp?.gWDec].map((buf, i) => buf ?? placeholder(device, i)),
  ];
  return makeCall(device, 'encode_backward', p, bufs, [groups(o.dSae, WG)]);
}
