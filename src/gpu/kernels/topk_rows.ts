// Launcher for shaders/sae/topk_rows.wgsl: per-row top-k (TopK activation, AuxK among dead latents).
import source from '@shaders/sae/topk_rows.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, grid, makeCall, placeholder, type KernelCall } from '../pipelines';

const WG = 64;

export interface TopkRowsBuffers {
  /** [nTok, dSae] scores (hidden_pre) */ s: GPUBuffer;
  /** [(outRow0 + nTok), dSae] out */ out: GPUBuffer;
  /** [dSae] u32 tokens since each latent last fired (masked mode) */ sinceFired?: GPUBuffer;
  /** [4] u32, dead count at [0] (masked mode) */ deadInfo?: GPUBuffer;
}

export interface TopkRowsOptions {
  k: number;
  relu: boolean;
  /** Dead-latent mask: latents with sinceFired ≥ window compete, k ≤ dead count. */
  window?: number;
  /** First output row (AuxK writes below the main activations). */
  outRow0?: number;
}

export function topkRowsCall(device: GPUDevice, b: TopkRowsBuffers, nTok: number, dSae: number, o: TopkRowsOptions): KernelCall {
  const masked = o.window !== undefined;
  const dims = uniformBuffer(device, new Uint32Array([nTok, dSae, o.k, o.outRow0 ?? 0, o.window ?? 0, 0, 0, 0]).buffer, 'topk_rows-dims');
  const p = cachedPipeline(device, 'topk_rows', source, 'main', { WG, RELU: o.relu ? 1 : 0, MASKED: masked ? 1 : 0 });
  const bufs = [b.s, b.out, b.sinceFired ?? placeholder(device), b.deadInfo ?? placeholder(device), dims];
  return makeCall(device, masked ? 'topk_rows-aux' : 'topk_rows', p, bufs, grid(nTok, WG));
}
