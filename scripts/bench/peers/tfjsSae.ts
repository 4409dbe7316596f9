// TF.js (tfjs-backend-webgpu) peer for the benchmarks: matmul GFLOP/s and the same SAE training step
// written with tf ops, on the same adapter as our kernels, so ratios compare like with like. Works
// on any `tf` whose WebGPU backend is ready: Dawn in Node (./tfjsNode.ts) or a browser page.
import type * as Tf from '@tensorflow/tfjs-core';

export interface SaeStepOptions {
  dIn: number;
  dSae: number;
  /** Tokens per step. */
  batch: number;
  arch: 'topk' | 'relu';
  /** Latents kept per token for 'topk' (default 32, capped at dSae). */
  k?: number;
  /** Timed steps after one warm-up step (default 2). */
  steps?: number;
}

export interface TfjsPeer {
  /** e.g. "swiftshader": the adapter TF.js runs on. */
  adapter: string;
  matmulGflops(M: number, N: number, K: number, layout: 'nn' | 'nt' | 'tn'): Promise<number>;
  saeStepTokensPerSec(o: SaeStepOptions): Promise<number>;
  dispose(): void;
}

/** Aim for about this much timed work per matmul figure. */
const TARGET_SECONDS = 0.5;
const MAX_REPS = 50;
/** L1 coefficient of the relu step; its value does not change the work done. */
const L1_COEFF = 5;

/** The peer on `tf` with its WebGPU backend (registered by importing tfjs-backend-webgpu) made active. */
export async function tfjsPeer(tf: typeof Tf): Promise<TfjsPeer> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not initialise its WebGPU backend');
  await tf.ready();
  const info = (tf.backend() as unknown as { adapterInfo?: { architecture?: string; vendor?: string } }).adapterInfo;
  const adapter = info?.architecture || info?.vendor || 'unknown';

  /** Waits for all queued GPU work by reading one element (cheaper than reading a whole result back). */
  async function sync(t: Tf.Tensor): Promise<void> {
    const one = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), 0, 1));
    await one.data();
    one.dispose();
  }

  async function matmulGflops(M: number, N: number, K: number, layout: 'nn' | 'nt' | 'tn'): Promise<number> {
    // 1. Operands in the requested layout: 'nt' means b is stored [N, K], 'tn' means a is stored [K, M].
    const transposeA = layout === 'tn';
    const transposeB = layout === 'nt';
    const a = tf.randomUniform(transposeA ? [K, M] : [M, K], -1, 1, 'float32', 1);
    const b = tf.randomUniform(transposeB ? [N, K] : [K, N], -1, 1, 'float32', 2);
    const run = async (reps: number): Promise<number> => {
      const t0 = performance.now();
      let c: Tf.Tensor | undefined;
      for (let r = 0; r < reps; r++) {
        c?.dispose();
        c = tf.matMul(a, b, transposeA, transposeB);
      }
      await sync(c as Tf.Tensor);
      c?.dispose();
      return (performance.now() - t0) / 1000;
    };
    try {
      // 2. Warm-up (shader compile, first touch), one timed probe, then enough reps for TARGET_SECONDS.
      await run(1);
      const probe = await run(1);
      const reps = Math.max(1, Math.min(MAX_REPS, Math.ceil(TARGET_SECONDS / probe)));
      const seconds = reps === 1 ? probe : await run(reps);
      return (2 * M * N * K * reps) / seconds / 1e9;
    } finally {
      a.dispose();
      b.dispose();
    }
  }

  async function saeStepTokensPerSec(o: SaeStepOptions): Promise<number> {
    const { dIn, dSae, batch, arch } = o;
    const k = Math.min(o.k ?? 32, dSae);
    const steps = o.steps ?? 2;
    // 1. Parameters (SAELens layout), Adam, one fixed input batch.
    const W_dec0 = tf.tidy(() => {
      const w = tf.randomNormal([dSae, dIn], 0, 1, 'float32', 3);
      return tf.div(w, tf.norm(w, 'euclidean', 1, true));
    });
    const W_dec = tf.variable(W_dec0, true, 'W_dec');
    const W_enc = tf.variable(tf.transpose(W_dec0), true, 'W_enc');
    W_dec0.dispose();
    const b_enc = tf.variable(tf.zeros([dSae]), true, 'b_enc');
    const b_dec = tf.variable(tf.zeros([dIn]), true, 'b_dec');
    const vars = [W_enc, b_enc, W_dec, b_dec];
    const x = tf.randomNormal([batch, dIn], 0, 1, 'float32', 4);
    const optimizer = tf.train.adam(1e-4);

    // TopK as a masked ReLU: the k-th largest pre-activation per row thresholds a mask; the gradient
    // flows only through the kept, positive latents (tf.topk itself has no gradient in TF.js).
    const topkRelu = tf.customGrad((...args: (Tf.Tensor | Tf.GradSaveFunc)[]) => {
      const [pre, save] = args as [Tf.Tensor, Tf.GradSaveFunc];
      const kth = tf.slice(tf.topk(pre, k).values, [0, k - 1], [-1, 1]);
      const keep = tf.mul(tf.cast(tf.greaterEqual(pre, kth), 'float32'), tf.step(pre));
      save([keep]);
      return { value: tf.mul(pre, keep), gradFunc: (dy: Tf.Tensor, saved: Tf.Tensor[]) => tf.mul(dy, saved[0]) };
    });

    // 2. One step: encode x − b_dec → activation → decode → MSE (+ ‖W_dec‖-weighted L1) → Adam → unit-norm decoder rows.
    const step = () => {
      // variableGrads + applyGradients; the returned loss is not kept.
      optimizer.minimize(() => {
        const pre = tf.add(tf.matMul(tf.sub(x, b_dec), W_enc), b_enc);
        const z = arch === 'topk' ? (topkRelu(pre) as Tf.Tensor2D) : tf.relu(pre);
        const recon = tf.add(tf.matMul(z, W_dec), b_dec);
        const mse = tf.mean(tf.sum(tf.square(tf.sub(recon, x)), 1));
        if (arch === 'topk') return mse as Tf.Scalar;
        const l1 = tf.mean(tf.sum(tf.mul(z, tf.norm(W_dec, 'euclidean', 1)), 1));
        return tf.add(mse, tf.mul(L1_COEFF, l1)) as Tf.Scalar;
      }, false, vars);
      tf.tidy(() => {
        W_dec.assign(tf.div(W_dec, tf.norm(W_dec, 'euclidean', 1, true)));
      });
    };

    try {
      // 3. Warm-up step, then `steps` timed steps, synchronised at the end.
      step();
      await sync(W_dec);
      const t0 = performance.now();
      for (let s = 0; s < steps; s++) step();
      await sync(W_dec);
      return (batch * steps) / ((performance.now() - t0) / 1000);
    } finally {
      optimizer.dispose();
      tf.dispose([x, ...vars]);
    }
  }

  return { adapter, matmulGflops, saeStepTokensPerSec, dispose: () => tf.engine().reset() };
}
