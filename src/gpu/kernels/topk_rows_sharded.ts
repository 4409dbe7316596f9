// Launcher for shaders/sae/topk_rows_sharded.wgsl: per-row top-k over latents split into column
// shards; 8 sweeps of (count per shard, pick), then apply per shard.
import source from '@shaders/sae/topk_rows_sharded.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, grid, makeCall, placeholder, type KernelCall } from '../pipelines';
import type { TopkRowsOptions } from './topk_rows';

const WG = 64;

/** u32 words of `sel` per row: T, done flag, 16 digit counts. */
export const TOPK_ROWS_SHARDED_SEL_WORDS = 18;

export interface TopkRowsShard {
  /** Latents in this shard. */ dS: number;
  /** [nTok, dS] scores (hidden_pre) */ s: GPUBuffer;
  /** [(outRow0 + nTok), dS] out */ out: GPUBuffer;
  /** [dS] u32 tokens since each latent last fired (masked mode) */ sinceFired?: GPUBuffer;
}

export interface TopkRowsSharedBuffers {
  /** [nTok·18] u32 scratch, zero when created */ sel: GPUBuffer;
  /** [4] u32, dead count at [0] (masked mode) */ deadInfo?: GPUBuffer;
}

export function topkRowsShardedCalls(device: GPUDevice, shards: TopkRowsShard[], b: TopkRowsSharedBuffers, nTok: number, o: TopkRowsOptions): KernelCall[] {
  const masked = o.window !== undefined;
  const constants = { WG, RELU: o.relu ? 1 : 0, MASKED: masked ? 1 : 0 };
  const count = cachedPipeline(device, 'topk_rows_sharded', source, 'count', constants);
  const pick = cachedPipeline(device, 'topk_rows_sharded', source, 'pick', constants);
  const apply = cachedPipeline(device, 'topk_rows_sharded', source, 'apply', constants);
  const dims = (dS: number, sweep: number) => uniformBuffer(device, new Uint32Array([nTok, dS, o.k, o.outRow0 ?? 0, o.window ?? 0, sweep, 0, 0]).buffer, 'topk_rows_sharded-dims');
  const since = (sh: TopkRowsShard) => sh.sinceFired ?? placeholder(device);
  const deadInfo = b.deadInfo ?? placeholder(device, 1);
  const calls: KernelCall[] = [];
  for (let sweep = 0; sweep < 8; sweep++) {
    for (const sh of shards) calls.push(makeCall(device, 'topk_rows_sharded-count', count, [sh.s, undefined, since(sh), undefined, b.sel, dims(sh.dS, sweep)], grid(nTok, WG)));
    calls.push(makeCall(device, 'topk_rows_sharded-pick', pick, [undefined, undefined, undefined, deadInfo, b.sel, dims(0, sweep)], grid(nTok, WG)));
  }
  for (const sh of shards) calls.push(makeCall(device, 'topk_rows_sharded-apply', apply, [sh.s, sh.out, since(sh), deadInfo, b.sel, dims(sh.dS, 0)], grid(nTok * sh.dS, WG)));
  return calls;
}
