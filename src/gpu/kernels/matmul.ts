// Launcher for shaders/common/matmul.wgsl: C[M,N] = A[M,K] · B[K,N].
import source from '@shaders/common/matmul.wgsl?raw';
import { readFloat32, storageBuffer, uniformBuffer } from '../buffers';

const WG = 8;
const TILE = 4;
const pipelines = new WeakMap<GPUDevice, GPUComputePipeline>();

function pipeline(device: GPUDevice): GPUComputePipeline {
  let p = pipelines.get(device);
  if (!p) {
    const module = device.createShaderModule({ label: 'matmul', code: source });
    p = device.createComputePipeline({
      label: 'matmul',
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants: { WG_X: WG, WG_Y: WG } },
    });
    pipelines.set(device, p);
  }
  return p;
}

export interface MatmulBuffers {
  /** [M, K] */ a: GPUBuffer;
  /** [K, N] */ b: GPUBuffer;
  /** [M, N] */ c: GPUBuffer;
}

/** Records one matmul dispatch into `pass`; the returned uniform buffer must outlive the submit. */
export function encodeMatmul(device: GPUDevice, pass: GPUComputePassEncoder, bufs: MatmulBuffers, M: number, N: number, K: number): GPUBuffer {
  const dims = uniformBuffer(device, new Uint32Array([M, N, K, 0]).buffer, 'matmul-dims');
  const p = pipeline(device);
  const bind = device.createBindGroup({
    layout: p.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: bufs.a } },
      { binding: 1, resource: { buffer: bufs.b } },
      { binding: 2, resource: { buffer: bufs.c } },
      { binding: 3, resource: { buffer: dims } },
    ],
  });
  pass.setPipeline(p);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(Math.ceil(N / (WG * TILE)), Math.ceil(M / (WG * TILE)));
  return dims;
}

/** Uploads A and B, runs the kernel once and reads C back. */
export async function matmul(device: GPUDevice, a: Float32Array, b: Float32Array, M: number, N: number, K: number): Promise<Float32Array> {
  const bufs = { a: storageBuffer(device, a), b: storageBuffer(device, b), c: storageBuffer(device, M * N * 4) };
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  const dims = encodeMatmul(device, pass, bufs, M, N, K);
  pass.end();
  device.queue.submit([enc.finish()]);
  const out = await readFloat32(device, bufs.c, M * N * 4);
  for (const buf of [bufs.a, bufs.b, bufs.c, dims]) buf.destroy();
  return out;
}
