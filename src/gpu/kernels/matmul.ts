// Launcher for shaders/common/matmul.wgsl: C[M,N] = op(A)·op(B) in layouts nn, nt and tn; its vec4
// entry points (same tile, same grid, same results) where the shape allows them.
import source from '@shaders/common/matmul.wgsl?raw';
import { readFloat32, storageBuffer, uniformBuffer } from '../buffers';
import { cachedPipeline, encodeCall, makeCall, submitCalls, type KernelCall } from '../pipelines';

/** nn: A[M,K]·B[K,N]; nt: A[M,K]·Bᵀ with B stored [N,K]; tn: Aᵀ·B with A stored [K,M]. */
export type MatmulLayout = 'nn' | 'nt' | 'tn';

const WG = 8;
/** Rows × columns of C per invocation (TM, TN in the shader). */
const TILE_M = 16;
const TILE_N = 8;

export interface MatmulBuffers {
  /** [M, K] (nn, nt) or [K, M] (tn) */ a: GPUBuffer;
  /** [K, N] (nn, tn) or [N, K] (nt) */ b: GPUBuffer;
  /** [M, N] */ c: GPUBuffer;
}

/** 'vec4' when every operand's contiguous dimension is a multiple of 4 (the *_vec4 entry points). */
export function matmulVariant(M: number, N: number, K: number, layout: MatmulLayout): 'vec4' | 'scalar' {
  const aligned = layout === 'nn' ? K % 4 === 0 && N % 4 === 0 : layout === 'nt' ? K % 4 === 0 : M % 4 === 0 && N % 4 === 0;
  return aligned ? 'vec4' : 'scalar';
}

function prepare(device: GPUDevice, bufs: MatmulBuffers, M: number, N: number, K: number, layout: MatmulLayout) {
  const dims = uniformBuffer(device, new Uint32Array([M, N, K, 0]).buffer, 'matmul-dims');
  const p =
    matmulVariant(M, N, K, layout) === 'vec4'
      ? cachedPipeline(device, 'matmul', source, `${layout}_vec4`, { WG_X: WG, WG_Y: WG })
      : cachedPipeline(device, 'matmul', source, 'main', { WG_X: WG, WG_Y: WG, TRANS_A: layout === 'tn' ? 1 : 0, TRANS_B: layout === 'nt' ? 1 : 0 });
  const call = makeCall(device, `matmul-${layout}`, p, [bufs.a, bufs.b, bufs.c, dims], [Math.ceil(N / (WG * TILE_N)), Math.ceil(M / (WG * TILE_M))]);
  return { call, dims };
}

/** Prepares one matmul dispatch (its dims uniform stays alive through the bind group). */
export function matmulCall(device: GPUDevice, bufs: MatmulBuffers, M: number, N: number, K: number, layout: MatmulLayout = 'nn'): KernelCall {
  return prepare(device, bufs, M, N, K, layout).call;
}

/** Records one matmul dispatch into `pass` (layout nn); the returned uniform buffer must outlive the submit. */
export function encodeMatmul(device: GPUDevice, pass: GPUComputePassEncoder, bufs: MatmulBuffers, M: number, N: number, K: number, layout: MatmulLayout = 'nn'): GPUBuffer {
  const { call, dims } = prepare(device, bufs, M, N, K, layout);
  encodeCall(pass, call);
  return dims;
}

/** Uploads A and B, runs the kernel once and reads C back. */
export async function matmul(device: GPUDevice, a: Float32Array, b: Float32Array, M: number, N: number, K: number, layout: MatmulLayout = 'nn'): Promise<Float32Array> {
  const bufs = { a: storageBuffer(device, a), b: storageBuffer(device, b), c: storageBuffer(device, M * N * 4) };
  submitCalls(device, [matmulCall(device, bufs, M, N, K, layout)]);
  const out = await readFloat32(device, bufs.c, M * N * 4);
  for (const buf of [bufs.a, bufs.b, bufs.c]) buf.destroy();
  return out;
}
