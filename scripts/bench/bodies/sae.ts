// SAE engine bench bodies, the same in Node (Dawn) and in a browser page: GFLOP/s of each matmul
// layout the training step uses and tokens/s of full training steps, side by side with the TF.js
// WebGPU peer on the same adapter. The caller supplies the device and the peer for its environment.
import { storageBuffer } from '../../../src/gpu/buffers';
import type { AdapterReport } from '../../../src/gpu/device';
import { matmulCall, type MatmulLayout } from '../../../src/gpu/kernels/matmul';
import { submitCalls } from '../../../src/gpu/pipelines';
import '../../../src/sae/architectures';
import { createSaeTrainer } from '../../../src/sae/trainer';
import type { TfjsPeer } from '../peers/tfjsSae';
import type { BenchOptions } from '../types';
import { randomArray } from './random';

interface Shape {
  dIn: number;
  dSae: number;
  batch: number;
}

/** The matmuls of one training step: [M, N, K, layout, role]. */
function stepMatmuls(s: Shape): [number, number, number, MatmulLayout, string][] {
  return [
    [s.batch, s.dSae, s.dIn, 'nn', 'encoder x·W_enc'],
    [s.batch, s.dIn, s.dSae, 'nn', 'decoder acts·W_dec'],
    [s.batch, s.dSae, s.dIn, 'nt', 'dActs = dRecon·W_decᵀ'],
    [s.dIn, s.dSae, s.batch, 'tn', 'dW_enc = x_inᵀ·dPre'],
    [s.dSae, s.dIn, s.batch, 'tn', 'dW_dec = actsᵀ·dRecon'],
  ];
}

async function ourMatmulGflops(device: GPUDevice, M: number, N: number, K: number, layout: MatmulLayout, reps: number): Promise<number> {
  const a = storageBuffer(device, randomArray(M * K, 1));
  const b = storageBuffer(device, randomArray(K * N, 2));
  const c = storageBuffer(device, M * N * 4);
  const call = matmulCall(device, { a, b, c }, M, N, K, layout);
  // Warm-up: pipeline compile and first touch of the buffers.
  submitCalls(device, [call]);
  await device.queue.onSubmittedWorkDone();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) submitCalls(device, [call]);
  await device.queue.onSubmittedWorkDone();
  const seconds = (performance.now() - t0) / 1000 / reps;
  for (const buf of [a, b, c]) buf.destroy();
  return (2 * M * N * K) / seconds / 1e9;
}

async function ourStepTokensPerSec(device: GPUDevice, s: Shape, arch: 'topk' | 'relu', k: number, steps: number): Promise<number> {
  const trainer = await createSaeTrainer(device, { arch, dIn: s.dIn, dSae: s.dSae, batchSize: s.batch, k, kAux: Math.min(s.dSae, Math.floor(s.dIn / 2)), metricsEvery: Math.max(1, steps), histogramEvery: Math.max(1, steps) });
  const batch = randomArray(s.batch * s.dIn, 3);
  await trainer.step(batch);
  await trainer.metrics();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await trainer.step(batch);
  await trainer.metrics();
  const seconds = (performance.now() - t0) / 1000;
  trainer.destroy();
  return (s.batch * steps) / seconds;
}

/**
 * Every matmul and SAE-step figure on `device`, against `peer` on the same adapter; rows carry
 * `adapter`. On a CPU emulator (report.isFallback) the big shape runs a reduced batch on both sides.
 */
export async function benchSae(device: GPUDevice, report: AdapterReport, adapter: string, peer: TfjsPeer, opts: BenchOptions): Promise<void> {
  const slow = report.isFallback;
  // On a CPU emulator the (768, 6144, 4096) step takes ~30 s per side; both sides run a smaller batch.
  const bigBatch = slow ? (opts.quick ? 32 : 512) : 4096;
  const shapes: Shape[] = [
    { dIn: 768, dSae: 6144, batch: bigBatch },
    { dIn: 64, dSae: 512, batch: 1024 },
  ];
  const reps = opts.quick ? 1 : 3;
  const steps = opts.quick ? 1 : 3;
  for (const s of shapes) {
    const reduced = s.dIn === 768 && s.batch !== 4096 ? `; batch reduced from 4096 to ${s.batch} for both sides on ${adapter}` : '';
    opts.log(`shape dIn=${s.dIn} dSae=${s.dSae} batch=${s.batch}${reduced}`);
    for (const [M, N, K, layout, role] of stepMatmuls(s)) {
      const ours = await ourMatmulGflops(device, M, N, K, layout, reps);
      const theirs = await peer.matmulGflops(M, N, K, layout);
      opts.emit({ bench: 'matmul', metric: 'gflops', value: ours, unit: 'GFLOP/s', peer: 'tfjs-webgpu', peerValue: theirs, ratio: ours / theirs, adapter, note: `${layout} M=${M} N=${N} K=${K} (${role})${reduced}` });
    }
    for (const [arch, k] of [
      ['topk', 32],
      ['relu', 0],
    ] as const) {
      const kk = arch === 'topk' ? Math.min(k, s.dSae) : k;
      const ours = await ourStepTokensPerSec(device, s, arch, Math.max(1, kk), steps);
      const theirs = await peer.saeStepTokensPerSec({ dIn: s.dIn, dSae: s.dSae, batch: s.batch, arch, k: arch === 'topk' ? kk : undefined, steps });
      const label = arch === 'topk' ? `TopK k=${kk}` : 'ReLU-L1';
      opts.emit({ bench: 'sae-step', metric: 'tokens_per_s', value: ours, unit: 'tok/s', peer: 'tfjs-webgpu', peerValue: theirs, ratio: ours / theirs, adapter, note: `${label} dIn=${s.dIn} dSae=${s.dSae} batch=${s.batch}${reduced}` });
    }
  }
}
