// Launcher for shaders/common/accumulate.wgsl: acc += add, elementwise.
import source from '@shaders/common/accumulate.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, grid, makeCall, type KernelCall } from '../pipelines';

const WG = 256;

export interface AccumulateBuffers {
  /** [n], added to in place */ acc: GPUBuffer;
  /** [n] */ add: GPUBuffer;
}

export function accumulateCall(device: GPUDevice, b: AccumulateBuffers, n: number): KernelCall {
  const dims = uniformBuffer(device, new Uint32Array([n, 0, 0, 0]).buffer, 'accumulate-dims');
  const p = cachedPipeline(device, 'accumulate', source, 'main', { WG });
  return makeCall(device, 'accumulate', p, [b.acc, b.add, dims], grid(n, WG));
}
