// Launcher for shaders/sae/adam.wgsl: one bias-corrected Adam step on a flat parameter buffer.
import source from '@shaders/sae/adam.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, grid, makeCall, placeholder, type KernelCall } from '../pipelines';

const WG = 256;

export interface AdamBuffers {
  /** [n] */ p: GPUBuffer;
  /** [n] */ g: GPUBuffer;
  /** [n] */ m: GPUBuffer;
  /** [n] */ v: GPUBuffer;
  /** [4] u32, halted at [2] */ deadInfo: GPUBuffer;
  /** StepParams uniform */ step: GPUBuffer;
  /** [2] gradient-norm clip factor and norm (grad_norm); the gradient is scaled by [0] when given */ clip?: GPUBuffer;
}

export function adamCall(device: GPUDevice, b: AdamBuffers, n: number, label = 'adam'): KernelCall {
  const dims = uniformBuffer(device, new Uint32Array([n, 0, 0, 0]).buffer, 'adam-dims');
  const p = cachedPipeline(device, 'adam', source, 'main', { WG, CLIP: b.clip ? 1 : 0 });
  return makeCall(device, label, p, [b.p, b.g, b.m, b.v, b.deadInfo, b.step, dims, b.clip ?? placeholder(device)], grid(n, WG));
}
