// Launcher for shaders/sae/sae_loss.wgsl: loss rows (dRecon, partials), columns (b_dec gradient,
// column sums) and finalize (metrics, halt flag); with column shards, the per-shard b_dec terms
// and latent sums that finalize then reads from `sums`.
import source from '@shaders/sae/sae_loss.wgsl?raw';
import type { SparsityMode } from '@/sae/reference/sae_loss';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, groups, makeCall, type KernelCall } from '../pipelines';

const WG = 64;

export interface SaeLossBuffers {
  /** [rows, dIn] raw decoder products (rows = 2·nTok with AuxK) */ recon: GPUBuffer;
  /** [nTok, dIn] */ xs: GPUBuffer;
  /** [dIn] */ bDec: GPUBuffer;
  /** [rows, dIn] out */ dRecon: GPUBuffer;
  /** [nTok, 4] */ partials: GPUBuffer;
  /** [4] u32: dead count, dense count, halted */ deadInfo: GPUBuffer;
  /** [dIn, dSae] */ wEnc: GPUBuffer;
  /** [dSae] */ gBEnc: GPUBuffer;
  /** [dIn] out */ gBDec: GPUBuffer;
  /** [dIn] out */ colX: GPUBuffer;
  /** [2·dSae] Σ acts, fires */ feat: GPUBuffer;
  /** [dSae] */ norms: GPUBuffer;
  /** [16] out */ metrics: GPUBuffer;
  /** StepParams uniform */ step: GPUBuffer;
  /** [3] latent sums from saeLossShardCalls; finalize reads them instead of feat / norms (column shards) */ sums?: GPUBuffer;
}

export interface SaeLossOptions {
  nTok: number;
  dIn: number;
  dSae: number;
  /** k_aux when AuxK rows are present. */
  kAux?: number;
  sparsity: SparsityMode;
}

export function saeLossCalls(device: GPUDevice, b: SaeLossBuffers, o: SaeLossOptions): { rows: KernelCall; columns: KernelCall; finalize: KernelCall } {
  const dims = uniformBuffer(device, new Uint32Array([o.nTok, o.dIn, o.dSae, o.kAux ?? 0]).buffer, 'sae_loss-dims');
  const aux = o.kAux !== undefined;
  const rows = cachedPipeline(device, 'sae_loss', source, 'rows', { WG, AUX: aux ? 1 : 0 });
  const columns = cachedPipeline(device, 'sae_loss', source, 'columns', { WG, AUX: aux ? 1 : 0 });
  const finalize = cachedPipeline(device, 'sae_loss', source, b.sums ? 'finalize_sums' : 'finalize', { SPARSITY: o.sparsity });
  const u = undefined;
  return {
    rows: makeCall(device, 'sae_loss-rows', rows, [b.recon, b.xs, b.bDec, b.dRecon, b.partials, b.deadInfo, u, u, u, u, u, u, u, b.step, dims], [groups(o.nTok, WG)]),
    columns: makeCall(device, 'sae_loss-columns', columns, [u, b.xs, u, b.dRecon, u, u, b.wEnc, b.gBEnc, b.gBDec, b.colX, u, u, u, u, dims], [groups(o.dIn, WG)]),
    finalize: makeCall(
      device,
      'sae_loss-finalize',
      finalize,
      b.sums ? [u, u, u, u, b.partials, b.deadInfo, u, u, u, b.colX, u, u, b.metrics, b.step, dims, b.sums] : [u, u, u, u, b.partials, b.deadInfo, u, u, u, b.colX, b.feat, b.norms, b.metrics, b.step, dims],
      [1],
    ),
  };
}

export interface SaeLossShardBuffers {
  /** [dIn, dS] this shard's encoder columns */ wEnc: GPUBuffer;
  /** [dS] */ gBEnc: GPUBuffer;
  /** [dIn] b_dec gradient, reduced in place (columns) */ gBDec: GPUBuffer;
  /** [2·dS] Σ acts, fires */ feat: GPUBuffer;
  /** [dS] */ norms: GPUBuffer;
  /** [3] latent sums (out) */ sums: GPUBuffer;
}

export interface SaeLossShardOptions {
  dIn: number;
  /** Latents in this shard. */
  dS: number;
  sparsity: SparsityMode;
  /** Shards after the first: continue the sums instead of starting them. */
  accumulate: boolean;
}

/** One column shard's share of the b_dec gradient (for shards after the first) and of the latent sums. */
export function saeLossShardCalls(device: GPUDevice, b: SaeLossShardBuffers, o: SaeLossShardOptions): { columns: KernelCall; sums: KernelCall } {
  const dims = uniformBuffer(device, new Uint32Array([0, o.dIn, o.dS, 0]).buffer, 'sae_loss-shard-dims');
  const columns = cachedPipeline(device, 'sae_loss', source, 'columns_shard', { WG });
  const sums = cachedPipeline(device, 'sae_loss', source, 'shard_sums', { SPARSITY: o.sparsity, ACCUMULATE: o.accumulate ? 1 : 0 });
  const u = undefined;
  return {
    columns: makeCall(device, 'sae_loss-columns_shard', columns, [u, u, u, u, u, u, b.wEnc, b.gBEnc, b.gBDec, u, u, u, u, u, dims], [groups(o.dIn, WG)]),
    sums: makeCall(device, 'sae_loss-shard_sums', sums, [u, u, u, u, u, u, u, u, u, u, b.feat, b.norms, u, u, dims, b.sums], [1]),
  };
}
