// GPU self-test and benchmark job: the tiled WGSL matmul against its CPU reference at a
// few shapes, one shape per step, reporting max error and GFLOP/s; the result is stored.
import { encodeMatmul, matmul } from '../../gpu/kernels/matmul';
import { matmulReference } from '../../gpu/reference/matmul';
import { storageBuffer } from '../../gpu/buffers';
import { newId, type SelfTestShape } from '../../storage/db';
import { JobError, type JobKind } from '../types';

export type Shape = [M: number, N: number, K: number];

export interface SelfTestParams {
  shapes: Shape[];
  /** Seconds of timed GPU work per shape (after a warm-up run). */
  secondsPerShape: number;
}

export interface SelfTestState {
  index: number;
  results: SelfTestShape[];
}

export const DEFAULT_SHAPES: Shape[] = [
  [64, 64, 64],
  [37, 48, 131],
  [128, 256, 96],
  [256, 256, 256],
  [333, 200, 257],
  [512, 384, 256],
];

const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };
const MAX_DIM = 4096;

/** Deterministic inputs in [-1, 1) (xorshift32), so a failing shape can be reproduced. */
function inputs(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** Seconds for `reps` back-to-back dispatches in one submit, waiting for the queue. */
async function timeReps(device: GPUDevice, a: GPUBuffer, b: GPUBuffer, c: GPUBuffer, [M, N, K]: Shape, reps: number): Promise<number> {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  const uniforms: GPUBuffer[] = [];
  for (let r = 0; r < reps; r++) uniforms.push(encodeMatmul(device, pass, { a, b, c }, M, N, K));
  pass.end();
  const t0 = performance.now();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  const seconds = (performance.now() - t0) / 1000;
  for (const u of uniforms) u.destroy();
  return seconds;
}

export async function measureShape(device: GPUDevice, shape: Shape, seed: number, secondsPerShape: number): Promise<SelfTestShape> {
  const [M, N, K] = shape;
  const a = inputs(M * K, seed * 2 + 1);
  const b = inputs(K * N, seed * 2 + 2);
  // 1. Correctness: one run against the CPU reference.
  const got = await matmul(device, a, b, M, N, K);
  const ref = matmulReference(a, b, M, N, K);
  let maxAbsError = 0;
  let worstExcess = -Infinity;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i] - ref[i]);
    if (!(err <= maxAbsError)) maxAbsError = Number.isNaN(err) ? Infinity : err;
    const excess = err - (TOLERANCE.atol + TOLERANCE.rtol * Math.abs(ref[i]));
    if (!(excess <= worstExcess)) worstExcess = Number.isNaN(excess) ? Infinity : excess;
  }
  // 2. Speed: calibrate on one dispatch, then time enough reps to fill the budget.
  const bufs = [storageBuffer(device, a), storageBuffer(device, b), storageBuffer(device, M * N * 4)] as const;
  const once = await timeReps(device, ...bufs, shape, 1);
  const reps = Math.max(1, Math.min(200, Math.ceil(secondsPerShape / Math.max(once, 1e-4))));
  const seconds = await timeReps(device, ...bufs, shape, reps);
  for (const buf of bufs) buf.destroy();
  return {
    M,
    N,
    K,
    maxAbsError,
    worstExcess,
    passed: worstExcess <= 0,
    gflops: (2 * M * N * K * reps) / seconds / 1e9,
    ms: (seconds * 1000) / reps,
  };
}

export const selfTestJob: JobKind<SelfTestParams, SelfTestState> = {
  kind: 'self-test',
  autoResume: true,
  title: () => 'GPU self-test',
  validate(raw) {
    const p = (raw ?? {}) as Partial<SelfTestParams>;
    const shapes = p.shapes ?? DEFAULT_SHAPES;
    if (!Array.isArray(shapes) || shapes.length === 0) {
      throw new JobError('invalid-params', 'shapes must be a non-empty list of [M, N, K].', { field: 'shapes' });
    }
    for (const s of shapes) {
      if (!Array.isArray(s) || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d >= 1 && d <= MAX_DIM)) {
        throw new JobError('invalid-params', `Each shape must be [M, N, K] with integers from 1 to ${MAX_DIM}; got ${JSON.stringify(s)}.`, {
          field: 'shapes',
        });
      }
    }
    const secondsPerShape = p.secondsPerShape ?? 0.75;
    if (!(secondsPerShape > 0 && secondsPerShape <= 30)) {
      throw new JobError('invalid-params', 'secondsPerShape must be in (0, 30].', { field: 'secondsPerShape' });
    }
    return { shapes: shapes.map((s) => [...s] as Shape), secondsPerShape };
  },
  async start() {
    return { index: 0, results: [] };
  },
  async step(state, params, ctx) {
    const shape = params.shapes[state.index];
    const result = await measureShape(ctx.device(), shape, state.index, params.secondsPerShape);
    const index = state.index + 1;
    return {
      state: { index, results: [...state.results, result] },
      progress: index / params.shapes.length,
      done: index === params.shapes.length,
      message: `${shape.join('×')}: ${result.gflops.toFixed(2)} GFLOP/s, max error ${result.maxAbsError.toExponential(1)}`,
    };
  },
  async finish(state, _params, ctx) {
    if (state.results.length === 0) return undefined;
    const id = newId('selftest');
    await ctx.db.selfTests.add({
      id,
      jobId: ctx.jobId,
      createdAt: Date.now(),
      adapter: ctx.adapterName(),
      passed: state.results.every((r) => r.passed),
      shapes: state.results,
    });
    return id;
  },
};
