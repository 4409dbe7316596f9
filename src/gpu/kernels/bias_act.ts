// Launcher for shaders/sae/bias_act.wgsl: hidden_pre = pre + b_enc, then ReLU / JumpReLU (or nothing).
import source from '@shaders/sae/bias_act.wgsl?raw';
import type { BiasActMode } from '@/sae/reference/bias_act';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, grid, makeCall, placeholder, type KernelCall } from '../pipelines';

const WG = 256;

export interface BiasActBuffers {
  /** [nTok, dSae], bias added in place */ pre: GPUBuffer;
  /** [dSae] */ bEnc: GPUBuffer;
  /** [dSae], mode 2 only */ logThreshold?: GPUBuffer;
  /** [nTok, dSae] out, modes 1 and 2 */ acts?: GPUBuffer;
}

export function biasActCall(device: GPUDevice, b: BiasActBuffers, nTok: number, dSae: number, mode: BiasActMode): KernelCall {
  const dims = uniformBuffer(device, new Uint32Array([nTok, dSae, 0, 0]).buffer, 'bias_act-dims');
  const p = cachedPipeline(device, 'bias_act', source, 'main', { WG, MODE: mode });
  const bufs = [b.pre, b.bEnc, b.logThreshold ?? placeholder(device), b.acts ?? placeholder(device, 1), dims];
  return makeCall(device, `bias_act-${mode}`, p, bufs, grid(nTok * dSae, WG));
}
