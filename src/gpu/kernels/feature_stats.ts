// Launcher for shaders/sae/feature_stats.wgsl: per-latent firing counters, dead/dense counts.
import source from '@shaders/sae/feature_stats.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, groups, makeCall, type KernelCall } from '../pipelines';

const WG = 64;

export interface FeatureStatsBuffers {
  /** [2·dSae], fires at dSae + j */ feat: GPUBuffer;
  /** [dSae] u32 */ sinceFired: GPUBuffer;
  /** [dSae] u32 */ fireCount: GPUBuffer;
  /** [4] u32 */ deadInfo: GPUBuffer;
  /** [16] f32 */ metrics: GPUBuffer;
}

export interface FeatureStatsOptions {
  nTok: number;
  dSae: number;
  /** Dead after this many tokens without firing. */
  window: number;
  /** Dense when firing on more than this fraction of a batch. */
  denseFrac: number;
  /** count adds to the dead/dense counts already in dead_info (column shards after the first). */
  accumulate?: boolean;
}

export function featureStatsCalls(device: GPUDevice, b: FeatureStatsBuffers, o: FeatureStatsOptions): { update: KernelCall; count: KernelCall } {
  const words = new ArrayBuffer(16);
  new Uint32Array(words).set([o.nTok, o.dSae, o.window]);
  new Float32Array(words)[3] = o.denseFrac;
  const dims = uniformBuffer(device, words, 'feature_stats-dims');
  const u = undefined;
  return {
    update: makeCall(device, 'feature_stats-update', cachedPipeline(device, 'feature_stats', source, 'update', { WG }), [b.feat, b.sinceFired, b.fireCount, b.deadInfo, u, dims], [groups(o.dSae, WG)]),
    count: makeCall(device, 'feature_stats-count', cachedPipeline(device, 'feature_stats', source, 'count', { ACCUMULATE: o.accumulate ? 1 : 0 }), [b.feat, b.sinceFired, u, b.deadInfo, b.metrics, dims], [1]),
  };
}
