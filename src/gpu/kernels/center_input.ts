// Launcher for shaders/sae/center_input.wgsl: xs = x·scale (in place), x_in = xs − b_dec.
import source from '@shaders/sae/center_input.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, grid, makeCall, type KernelCall } from '../pipelines';

const WG = 256;

export interface CenterInputBuffers {
  /** [nTok, dIn], scaled in place */ x: GPUBuffer;
  /** [dIn] */ bDec: GPUBuffer;
  /** [nTok, dIn] out */ xIn: GPUBuffer;
}

export function centerInputCall(device: GPUDevice, b: CenterInputBuffers, nTok: number, dIn: number, scale: number): KernelCall {
  const words = new ArrayBuffer(16);
  new Uint32Array(words).set([nTok, dIn]);
  new Float32Array(words)[2] = scale;
  const dims = uniformBuffer(device, words, 'center_input-dims');
  const p = cachedPipeline(device, 'center_input', source, 'main', { WG });
  return makeCall(device, 'center_input', p, [b.x, b.bDec, b.xIn, dims], grid(nTok * dIn, WG));
}
