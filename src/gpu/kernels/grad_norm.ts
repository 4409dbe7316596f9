// Launcher for shaders/sae/grad_norm.wgsl: one `partial` call per gradient buffer (each writing
// its own range of partial-sum slots) and a `finalize` call that writes the clip factor and norm.
import source from '@shaders/sae/grad_norm.wgsl?raw';
import { uniformBuffer } from '../buffers';
import { cachedPipeline, groups, makeCall, type KernelCall } from '../pipelines';

/** Invocations per workgroup (a power of two: the in-workgroup sum is a tree). */
const WG = 64;
/** Most workgroups (partial-sum slots) one gradient buffer gets; each strides over the rest. */
const MAX_GROUPS = 256;

/** Partial-sum slots a buffer of `n` gradients takes. */
function slotsOf(n: number): number {
  return Math.max(1, Math.min(MAX_GROUPS, groups(n, WG)));
}

/** Words of the partials buffer for gradient buffers of these lengths. */
export function gradNormPartialWords(lengths: number[]): number {
  return lengths.reduce((a, n) => a + slotsOf(n), 0);
}

export interface GradNormBuffers {
  /** One [n_b] buffer per trained parameter (and shard). */
  grads: GPUBuffer[];
  /** [gradNormPartialWords(lengths)] scratch */ partials: GPUBuffer;
  /** [2] out: clip factor, norm */ clip: GPUBuffer;
}

function dims(device: GPUDevice, n: number, slot0: number, nPartials: number, maxNorm: number): GPUBuffer {
  const words = new ArrayBuffer(16);
  new Uint32Array(words, 0, 3).set([n, slot0, nPartials]);
  new Float32Array(words, 12, 1)[0] = maxNorm;
  return uniformBuffer(device, words, 'grad_norm-dims');
}

/** The calls, in order: one partial per gradient buffer, then finalize. */
export function gradNormCalls(device: GPUDevice, b: GradNormBuffers, lengths: number[], maxNorm: number): KernelCall[] {
  const partial = cachedPipeline(device, 'grad_norm', source, 'partial', { WG });
  const finalize = cachedPipeline(device, 'grad_norm', source, 'finalize', { WG });
  const total = gradNormPartialWords(lengths);
  const calls: KernelCall[] = [];
  let slot0 = 0;
  b.grads.forEach((g, i) => {
    const slots = slotsOf(lengths[i]);
    calls.push(makeCall(device, 'grad_norm-partial', partial, [g, b.partials, undefined, dims(device, lengths[i], slot0, total, maxNorm)], [slots]));
    slot0 += slots;
  });
  calls.push(makeCall(device, 'grad_norm-finalize', finalize, [undefined, b.partials, b.clip, dims(device, 0, 0, total, maxNorm)], [1]));
  return calls;
}
