// Launcher for shaders/sae/topk_batch.wgsl: BatchTopK by 4 rounds of 8-bit radix select, then the
// apply pass; the threshold EMA is a separate call so it can run after the loss (halt check).
import source from '@shaders/sae/topk_batch.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, grid, makeCall, type KernelCall } from '../pipelines';

const WG = 256;
const PER_THREAD = 16;

export interface TopkBatchBuffers {
  /** [nTok, dSae] hidden_pre */ pre: GPUBuffer;
  /** [nTok, dSae] out */ acts: GPUBuffer;
  /** [258] u32 scratch, zero at start (the trainer clears it every step) */ sel: GPUBuffer;
  /** [1] f32 running inference threshold */ threshold: GPUBuffer;
  /** [4] u32, halted flag at [2] */ deadInfo: GPUBuffer;
}

/** Bytes of the `sel` scratch buffer. */
export const TOPK_BATCH_SEL_BYTES = 258 * 4;

function dims(device: GPUDevice, nTok: number, dSae: number, k: number, round: number, rate: number): GPUBuffer {
  const words = new ArrayBuffer(32);
  new Uint32Array(words).set([nTok, dSae, k, round]);
  new Float32Array(words)[4] = rate;
  return uniformBuffer(device, words, 'topk_batch-dims');
}

export interface TopkBatchShard {
  /** Latents in this shard. */ dS: number;
  /** [nTok, dS] hidden_pre */ pre: GPUBuffer;
  /** [nTok, dS] out */ acts: GPUBuffer;
}

/**
 * The selection calls over latents in column shards (one shard: the whole [nTok, dSae]): each of the
 * 4 radix rounds histograms every shard into `sel`, then picks; then apply per shard. `sel` must be
 * zero before the first.
 */
export function topkBatchCalls(device: GPUDevice, shards: TopkBatchShard[], sel: GPUBuffer, nTok: number, k: number): KernelCall[] {
  const calls: KernelCall[] = [];
  const hist = cachedPipeline(device, 'topk_batch', source, 'histogram', { WG, PER_THREAD });
  const pick = cachedPipeline(device, 'topk_batch', source, 'pick', {});
  const apply = cachedPipeline(device, 'topk_batch', source, 'apply', { WG });
  for (let round = 0; round < 4; round++) {
    for (const sh of shards) {
      const d = dims(device, nTok, sh.dS, k, round, 0);
      calls.push(makeCall(device, 'topk_batch-histogram', hist, [sh.pre, undefined, sel, undefined, undefined, d], grid(nTok * sh.dS, WG * PER_THREAD)));
    }
    calls.push(makeCall(device, 'topk_batch-pick', pick, [undefined, undefined, sel, undefined, undefined, dims(device, nTok, 0, k, round, 0)], [1]));
  }
  for (const sh of shards) calls.push(makeCall(device, 'topk_batch-apply', apply, [sh.pre, sh.acts, sel, undefined, undefined, dims(device, nTok, sh.dS, k, 0, 0)], grid(nTok * sh.dS, WG)));
  return calls;
}

/** threshold ← (1 − rate)·threshold + rate·T unless halted. */
export function topkBatchThresholdCall(device: GPUDevice, b: TopkBatchBuffers, nTok: number, dSae: number, k: number, rate: number): KernelCall {
  const p = cachedPipeline(device, 'topk_batch', source, 'update_threshold', {});
  return makeCall(device, 'topk_batch-threshold', p, [undefined, undefined, b.sel, b.threshold, b.deadInfo, dims(device, nTok, dSae, k, 0, rate)], [1]);
}
