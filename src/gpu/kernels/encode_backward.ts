// Launcher for shaders/sae/encode_backward.wgsl: dPre (in place over dActs), b_enc and threshold
// gradients, per-latent Σ acts and fire counts.
import source from '@shaders/sae/encode_backward.wgsl?raw';
import type { BackwardArch } from '@/sae/reference/encode_backward';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, groups, makeCall, type KernelCall } from '../pipelines';

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
}

export interface EncodeBackwardOptions {
  nTok: number;
  dSae: number;
  arch: BackwardArch;
  aux: boolean;
  bandwidth: number;
}

export function encodeBackwardCall(device: GPUDevice, b: EncodeBackwardBuffers, o: EncodeBackwardOptions): KernelCall {
  const words = new ArrayBuffer(16);
  new Uint32Array(words).set([o.nTok, o.dSae]);
  new Float32Array(words)[2] = o.bandwidth;
  const dims = uniformBuffer(device, words, 'encode_backward-dims');
  const p = cachedPipeline(device, 'encode_backward', source, 'main', { WG, ARCH: o.arch, AUX: o.aux ? 1 : 0 });
  const bufs = [b.pre, b.acts, b.dActs, b.norms, b.logThreshold, b.gBEnc, b.gLogThreshold, b.feat, b.step, dims];
  return makeCall(device, 'encode_backward', p, bufs, [groups(o.dSae, WG)]);
}
