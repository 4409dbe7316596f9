// Launcher for shaders/common/row_top.wgsl: each row's N largest entries of one column shard of
// an all-pairs product (the diagonal left out), written at rows outRow0.. of the candidate buffers.
import source from '@shaders/common/row_top.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, grid, makeCall, type KernelCall } from '../pipelines';

const WG = 64;

/** Largest N the kernel keeps per row (its register list). */
export const ROW_TOP_MAX_N = 32;

export interface RowTopBuffers {
  /** [nRows, nCols] block of the product */ s: GPUBuffer;
  /** [(outRow0 + nRows) * n] u32 out */ index: GPUBuffer;
  /** [(outRow0 + nRows) * n] f32 out */ value: GPUBuffer;
}

export interface RowTopShape {
  nRows: number;
  nCols: number;
  /** Global index of the block's first row (its diagonal column). */ row0: number;
  /** Global index of the shard's first column. */ col0: number;
  n: number;
  outRow0?: number;
}

export function rowTopCall(device: GPUDevice, b: RowTopBuffers, sh: RowTopShape): KernelCall {
  if (!(sh.n >= 1 && sh.n <= ROW_TOP_MAX_N)) throw new Error(`row_top keeps 1 to ${ROW_TOP_MAX_N} entries per row, asked for ${sh.n}.`);
  const dims = uniformBuffer(device, new Uint32Array([sh.nRows, sh.nCols, sh.row0, sh.col0, sh.n, sh.outRow0 ?? 0, 0, 0]).buffer, 'row_top-dims');
  const p = cachedPipeline(device, 'row_top', source, 'main', { WG });
  return makeCall(device, 'row_top', p, [b.s, b.index, b.value, dims], grid(sh.nRows, WG));
}
