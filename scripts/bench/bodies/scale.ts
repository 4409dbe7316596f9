// Real-scale bench bodies, the same in Node and in a Chromium page: a model generated at GPT-2
// small's shapes (d_model 768, vocabulary 50,257, 12 heads, d_mlp 3072; random weights from a seed,
// built in memory at bench time, never written to disk) and a 24,576-latent TopK SAE. Rows
// `scale/extract/tokens_per_s`, `scale/train/tokens_per_s` (live source: every step's batch is
// extracted by the hooked model, then trained on), `scale/generate/tokens_per_s`, each with the
// peak memory its phase reached.
import { resolveConfig } from '../../../src/sae/config';
import { createSaeTrainer } from '../../../src/sae/trainer';
import { buildOnnxFixture } from '../../../src/lm/fixtures/onnxModel';
import { gpt2Spec, makeWeights, type FixtureSpec } from '../../../src/lm/fixtures/spec';
import { tensorToFloat32 } from '../../../src/lm/extract';
import { generateAll } from '../../../src/lm/generate';
import { LmSession, type Backend } from '../../../src/lm/session';
import { hookModel, inspectModel } from '../../../src/lm/surgery';
import type { BenchOptions } from '../types';

export interface ScaleSpec {
  model: FixtureSpec;
  dSae: number;
  k: number;
  /** Contexts per forward pass. */
  batch: number;
  /** Tokens per context. */
  ctx: number;
  /** Timed forward passes (extraction) and training steps (live source). */
  reps: number;
  genTokens: number;
}

/**
 * GPT-2 small's widths; 2 layers (1 with --quick) keep one run within minutes on two CPU cores,
 * while the embedding and unembedding (50,257 × 768) are full size.
 */
export function scaleSpec(quick: boolean): ScaleSpec {
  const model: FixtureSpec = {
    ...gpt2Spec(31),
    vocabSize: 50257,
    dModel: 768,
    nHeads: 12,
    nKvHeads: 12,
    dMlp: 3072,
    nLayers: quick ? 1 : 2,
    nCtx: 1024,
    bosTokenId: 50256,
    eosTokenId: 50256,
    padTokenId: 50256,
  };
  return quick
    ? { model, dSae: 24576, k: 32, batch: 1, ctx: 32, reps: 1, genTokens: 2 }
    : { model, dSae: 24576, k: 32, batch: 4, ctx: 128, reps: 3, genTokens: 16 };
}

/** The graph with its seeded random weights, built in memory (about 320 MB at 2 layers). */
export function scaleModel(spec: ScaleSpec): Uint8Array {
  return buildOnnxFixture(spec.model, makeWeights(spec.model)).model;
}

/** Peak memory of a phase: `sample()` reads the current figure (bytes); polled while the phase runs. */
export interface MemoryProbe {
  /** What the figure is, e.g. "process RSS". */
  what: string;
  sample(): number | undefined;
}

async function measured<T>(probe: MemoryProbe, fn: () => Promise<T>): Promise<{ value: T; seconds: number; peak?: number }> {
  let peak = probe.sample();
  const poll = setInterval(() => {
    const v = probe.sample();
    if (v !== undefined) peak = Math.max(peak ?? 0, v);
  }, 20);
  const t0 = performance.now();
  try {
    const value = await fn();
    const seconds = (performance.now() - t0) / 1000;
    const last = probe.sample();
    if (last !== undefined) peak = Math.max(peak ?? 0, last);
    return { value, seconds, peak };
  } finally {
    clearInterval(poll);
  }
}

/**
 * The three phases on one LM backend; training needs `device` (skipped, with a log line, without).
 * `adapter` names where the rows ran.
 */
export async function benchScale(backend: Backend, model: Uint8Array, spec: ScaleSpec, device: GPUDevice | undefined, probe: MemoryProbe, opts: BenchOptions, adapter: string) {
  const { model: m, batch, ctx, reps } = spec;
  // The last block's output: every block runs, the unembedding is pruned away.
  const hook = `blocks.${m.nLayers - 1}.hook_resid_post`;
  const shape = `d=${m.dModel} vocab=${m.vocabSize} heads=${m.nHeads} L=${m.nLayers}; batch ${batch}×${ctx}`;
  const rand = (i: number) => (i * 2654435761 + 12345) % m.vocabSize;
  const ids = (rep: number) => Array.from({ length: batch * ctx }, (_, i) => rand(i + rep * batch * ctx));
  const emitPeak = (phase: string, peak: number | undefined, note: string) => {
    if (peak !== undefined) opts.emit({ bench: 'scale', metric: `${phase}/peak_memory`, value: peak / 2 ** 20, unit: 'MiB', adapter, note: `${probe.what}; ${note}` });
  };

  // 1. Extraction: the graph pruned to one exposed hook, as the extract job runs it.
  const cut = hookModel(model, { expose: [hook], pruneToHooks: true });
  const hooked = await LmSession.create(cut.bytes, cut.signature, { backends: [backend] });
  if (hooked.backend !== backend) throw new Error(`${backend} session fell back to ${hooked.backend}`);
  await hooked.forward({ inputIds: ids(99), batch });
  const ex = await measured(probe, async () => {
    for (let r = 0; r < reps; r++) await hooked.forward({ inputIds: ids(r), batch });
  });
  const exNote = `${reps} passes; ${shape}; exposing ${hook}`;
  opts.emit({ bench: 'scale', metric: 'extract/tokens_per_s', value: (reps * batch * ctx) / ex.seconds, unit: 'tok/s', adapter, note: exNote });
  emitPeak('extract', ex.peak, exNote);

  // 2. Live training: each step extracts its batch, then one TopK step on it (d_sae latents).
  if (device) {
    const trainer = await createSaeTrainer(device, resolveConfig({ arch: 'topk', conventions: 'saelens', dIn: m.dModel, dSae: spec.dSae, k: spec.k, batchSize: batch * ctx, seed: 1 }));
    try {
      const stepOn = async (r: number) => {
        const out = await hooked.forward({ inputIds: ids(r), batch });
        await trainer.step(tensorToFloat32(out[hook]));
      };
      await stepOn(98);
      await trainer.metrics();
      const tr = await measured(probe, async () => {
        for (let r = 0; r < reps; r++) await stepOn(r);
        await trainer.metrics();
      });
      const trNote = `${reps} steps of ${batch * ctx} tokens; TopK d_sae=${spec.dSae} k=${spec.k}; ${shape}`;
      opts.emit({ bench: 'scale', metric: 'train/tokens_per_s', value: (reps * batch * ctx) / tr.seconds, unit: 'tok/s', adapter, note: trNote });
      emitPeak('train', tr.peak, `${trNote}; GPU buffers are not in this figure`);
    } finally {
      trainer.destroy();
    }
  } else opts.log(`scale/train: skipped on ${adapter} (no WebGPU device for the SAE)`);
  await hooked.release();

  // 3. Generation: the unmodified graph, greedy with the KV cache.
  const plain = await LmSession.create(model, inspectModel(model).signature, { backends: [backend] });
  const prompt = ids(7).slice(0, 8);
  await generateAll(plain, prompt, { maxNewTokens: 1 });
  const gen = await measured(probe, () => generateAll(plain, prompt, { maxNewTokens: spec.genTokens }));
  const genNote = `greedy, 8-token prompt, ${spec.genTokens} new tokens; d=${m.dModel} vocab=${m.vocabSize} L=${m.nLayers}`;
  opts.emit({ bench: 'scale', metric: 'generate/tokens_per_s', value: spec.genTokens / gen.seconds, unit: 'tok/s', adapter, note: genNote });
  emitPeak('generate', gen.peak, genNote);
  await plain.release();
}
