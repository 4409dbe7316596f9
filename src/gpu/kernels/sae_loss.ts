// Launcher for shaders/sae/sae_loss.wgsl: loss rows (dRecon, partials), columns (b_dec gradient,
// column sums) and finalize (metrics, halt flag).
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
  const columns = cachedPipeline(device, 'sae_loss', source, 'columns', { WG });
  const finalize = cachedPipeline(device, 'sae_loss', source, 'finalize', { SPARSITY: o.sparsity });
  const u = undefined;
  return {
    rows: makeCall(device, 'sae_loss-rows', rows, [b.recon, b.xs, b.bDec, b.dRecon, b.partials, b.deadInfo, u, u, u, u, u, u, u, b.step, dims], [groups(o.nTok, WG)]),
    columns: makeCall(device, 'sae_loss-columns', columns, [u, b.xs, u, b.dRecon, u, u, b.wEnc, b.gBEnc, b.gBDec, b.colX, u, u, u, u, dims], [groups(o.dIn, WG)]),
    finalize: makeCall(
      device,
      'sae_loss-finalize',
      finalize,
      [u, u, u, u, b.partials, b.deadInfo, u, u, u, b.colX, b.feat, b.norms, b.metrics, b.step, dims],
      [1],
    ),
  };
}
