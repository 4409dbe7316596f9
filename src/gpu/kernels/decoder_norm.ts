// Launcher for shaders/sae/decoder_norm.wgsl: decoder row norms, gradient corrections, renormalisation.
import source from '@shaders/sae/decoder_norm.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, groups, makeCall, type KernelCall } from '../pipelines';

const WG = 64;

export interface DecoderNormBuffers {
  /** [dSae, dIn] */ wDec: GPUBuffer;
  /** [dSae] out */ norms: GPUBuffer;
  /** [dSae, dIn] */ gWDec: GPUBuffer;
  /** [2·dSae] Σ acts first */ feat: GPUBuffer;
  /** [4] u32, halted at [2] */ deadInfo: GPUBuffer;
  /** StepParams uniform */ step: GPUBuffer;
}

export interface DecoderNormOptions {
  dSae: number;
  dIn: number;
  nTok: number;
  weightedL1: boolean;
  unitNorm: boolean;
}

export function decoderNormCalls(device: GPUDevice, b: DecoderNormBuffers, o: DecoderNormOptions): { norms: KernelCall; grad?: KernelCall; normalize?: KernelCall } {
  const dims = uniformBuffer(device, new Uint32Array([o.dSae, o.dIn, o.nTok, 0]).buffer, 'decoder_norm-dims');
  const u = undefined;
  const wg: [number] = [groups(o.dSae, WG)];
  const norms = makeCall(device, 'decoder_norm-norms', cachedPipeline(device, 'decoder_norm', source, 'row_norms', { WG }), [b.wDec, b.norms, u, u, u, u, dims], wg);
  const gradPipe = cachedPipeline(device, 'decoder_norm', source, 'grad', { WG, WEIGHTED_L1: o.weightedL1 ? 1 : 0, UNIT_NORM: o.unitNorm ? 1 : 0 });
  const grad =
    o.weightedL1 || o.unitNorm
      ? makeCall(device, 'decoder_norm-grad', gradPipe, [b.wDec, u, b.gWDec, b.feat, u, b.step, dims], wg)
      : undefined;
  const normalize = o.unitNorm
    ? makeCall(device, 'decoder_norm-normalize', cachedPipeline(device, 'decoder_norm', source, 'normalize', { WG }), [b.wDec, u, u, u, b.deadInfo, u, dims], wg)
    : undefined;
  return { norms, grad, normalize };
}
