// Launcher for shaders/sae/compact_rows.wgsl: the nonzeros of activation rows split over column
// shards as CSR — count per shard, then scan and write per shard (rerun alone into larger buffers
// when the total exceeds the capacity).
import source from '@shaders/sae/compact_rows.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, grid, makeCall, type KernelCall } from '../pipelines';

const WG = 64;

export interface CompactShard {
  /** First latent of the shard. */ j0: number;
  /** Latents in the shard. */ dS: number;
  /** [nTok, dS] activations */ acts: GPUBuffer;
}

export interface CompactBuffers {
  /** [nTok + 1] u32 out */ rowPtr: GPUBuffer;
  /** [nTok] u32 scratch */ fill: GPUBuffer;
  /** [capacity] u32 out */ latent: GPUBuffer;
  /** [capacity] f32 out */ value: GPUBuffer;
}

function dims(device: GPUDevice, nTok: number, dS: number, j0: number, first: boolean, capacity: number): GPUBuffer {
  return uniformBuffer(device, new Uint32Array([nTok, dS, j0, first ? 1 : 0, capacity, 0, 0, 0]).buffer, 'compact_rows-dims');
}

/** Counts every row's nonzeros over all shards into `fill`. */
export function compactRowsCountCalls(device: GPUDevice, shards: CompactShard[], b: Pick<CompactBuffers, 'fill'>, nTok: number): KernelCall[] {
  const count = cachedPipeline(device, 'compact_rows', source, 'count', { WG });
  return shards.map((sh, i) => makeCall(device, 'compact_rows-count', count, [sh.acts, undefined, b.fill, undefined, undefined, dims(device, nTok, sh.dS, sh.j0, i === 0, 0)], grid(nTok, WG)));
}

/** Row pointers from the counts, then every shard's entries (those below `capacity`). */
export function compactRowsWriteCalls(device: GPUDevice, shards: CompactShard[], b: CompactBuffers, nTok: number, capacity: number): KernelCall[] {
  const scan = cachedPipeline(device, 'compact_rows', source, 'scan', { WG });
  const write = cachedPipeline(device, 'compact_rows', source, 'write', { WG });
  return [
    makeCall(device, 'compact_rows-scan', scan, [undefined, b.rowPtr, b.fill, undefined, undefined, dims(device, nTok, 0, 0, false, capacity)], [1]),
    ...shards.map((sh) => makeCall(device, 'compact_rows-write', write, [sh.acts, b.rowPtr, b.fill, b.latent, b.value, dims(device, nTok, sh.dS, sh.j0, false, capacity)], grid(nTok, WG))),
  ];
}
