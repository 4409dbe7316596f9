// Steering and evaluation bench bodies, the same in Node and in a browser page: generation time with
// each steering method (the steering page's plan and feeds) against plain generation on the same
// backend, and tokens/s of the eval job's batch (hook, SAE, three spliced forwards, CE and KL sums).
import { cpuEncoder, encoderRule, type Encoder, type EncoderRule } from '../../../src/features/encoder';
import { gpuEncoder } from '../../../src/features/gpu';
import { emptySums, evaluateBatch, type EvalModel } from '../../../src/lm/evaluate';
import type { FixtureSpec } from '../../../src/lm/fixtures/spec';
import { generateAll } from '../../../src/lm/generate';
import { LmSession, type Backend } from '../../../src/lm/session';
import { steeringFeeds, steeringPlan, steeringRank, type SteeringMethod, type SteeringSetup } from '../../../src/lm/steering';
import { hookModel, inspectModel } from '../../../src/lm/surgery';
import type { BenchOptions } from '../types';
import { interleaved } from './lm';
import { randomSae } from './random';

/** Goals from the steering issue: steered ÷ plain generation time. */
const GOAL: Record<SteeringMethod, number> = { additive: 1.1, clamp: 1.5, cap: 1.5 };
const METHOD_NAME: Record<SteeringMethod, string> = { additive: 'additive', clamp: 'clamp', cap: 'projection cap' };
const RELU: EncoderRule = { kind: 'relu' };

async function session(bytes: Uint8Array, backend: Backend, signature = inspectModel(bytes).signature): Promise<LmSession> {
  const s = await LmSession.create(bytes, signature, { backends: [backend] });
  if (s.backend !== backend) throw new Error(`${backend} session fell back to ${s.backend}`);
  return s;
}

/**
 * Per method (clamp for a ReLU and a TopK SAE), two latents of a random SAE (d_sae 8 × d_model) steered at the last block's residual:
 * the graph the steering page opens for that method, its feeds, and greedy generation on it, timed
 * round-robin with the unhooked graph.
 */
export async function benchSteer(backend: Backend, model: Uint8Array, spec: FixtureSpec, opts: BenchOptions, adapter: string = backend): Promise<void> {
  const hook = `blocks.${spec.nLayers - 1}.hook_resid_post`;
  const sae = randomSae(spec.dModel, 8 * spec.dModel, 31);
  const plain = await session(model, backend);
  const prompt = [276, 104, 101, 108, 108, 111, 32, 116];
  const n = opts.quick || backend === 'webgpu' ? 16 : 32;
  const reps = opts.quick ? 1 : backend === 'webgpu' ? 3 : 9;
  try {
    const cases: [SteeringMethod, EncoderRule][] = [
      ['additive', RELU],
      ['clamp', RELU],
      ['clamp', { kind: 'topk', k: 32 }],
      ['cap', RELU],
    ];
    for (const [method, rule] of cases) {
      const setup: SteeringSetup = { multiplier: 1, latents: [3, 17].map((latent) => ({ latent, strength: method === 'cap' ? 0.5 : 4, method })) };
      const plan = steeringPlan(hook, setup, rule);
      const surgery = hookModel(model, plan, { rank: steeringRank(plan, { weights: sae, rule }) });
      const steered = await session(surgery.bytes, backend, surgery.signature);
      try {
        const feeds = steeringFeeds(steered, surgery, hook, setup, { weights: sae, rule });
        const [tPlain, tSteered] = await interleaved(
          [() => generateAll(plain, prompt, { maxNewTokens: n }), () => generateAll(steered, prompt, { maxNewTokens: n, feeds })],
          reps,
        );
        opts.emit({
          bench: 'steer',
          metric: 'time_ratio',
          value: tSteered / tPlain,
          unit: '×',
          peer: 'unsteered',
          peerValue: 1,
          ratio: tSteered / tPlain,
          adapter,
          note: `${METHOD_NAME[method]}${rule.kind === 'topk' ? ` of a TopK SAE (k ${rule.k}: the whole encoder a graph constant)` : ''}, goal ≤ ${GOAL[method]}×${tSteered / tPlain <= GOAL[method] ? ' (met)' : ' (MISSED)'}; ${(n / tSteered).toPrecision(4)} vs ${(n / tPlain).toPrecision(4)} tok/s; median of ${reps}; 2 latents at ${hook}, greedy, ${prompt.length}-token prompt, ${n} new tokens, d=${spec.dModel} L=${spec.nLayers}`,
        });
      } finally {
        await steered.release();
      }
    }
  } finally {
    await plain.release();
  }
}

/**
 * The eval job's step on `contexts` contexts: the graph pruned to the hook, the SAE's encoder (on
 * `device`, else the CPU reference, as the job picks), the splicing graph run clean, reconstructed and
 * ablated, and the CE/KL and reconstruction sums; against extraction alone (the pruned forward).
 */
export async function benchEval(backend: Backend, model: Uint8Array, spec: FixtureSpec, device: GPUDevice | undefined, opts: BenchOptions, adapter: string = backend): Promise<void> {
  const hook = `blocks.${spec.nLayers >> 1}.hook_resid_post`;
  const weights = randomSae(spec.dModel, 8 * spec.dModel, 41);
  const k = 32;
  const rule = encoderRule('topk', weights, k);
  const encoder: Encoder = device ? gpuEncoder(device, weights, rule) : cpuEncoder(weights, rule);
  const pruned = hookModel(model, { expose: [hook], pruneToHooks: true });
  const splice = hookModel(model, { splice: [hook] });
  const hookSession = await session(pruned.bytes, backend, pruned.signature);
  const spliceSession = await session(splice.bytes, backend, splice.signature);
  const evalModel: EvalModel = { hook, hookSession, spliceSession, spliceInput: splice.spliceInputs[hook] };
  const batch = opts.quick ? 2 : 4;
  const ctx = opts.quick ? 32 : 64;
  const batches = opts.quick || backend === 'webgpu' ? 2 : 4;
  const reps = opts.quick ? 1 : 3;
  const tokens = Int32Array.from({ length: batch * ctx }, (_, i) => (i * 31 + 7) % spec.vocabSize);
  try {
    const evaluate = async () => {
      const sums = emptySums(weights.dIn, weights.dSae);
      for (let b = 0; b < batches; b++) await evaluateBatch(evalModel, encoder, weights, tokens, batch, sums);
      if (sums.tokens !== batches * batch * ctx) throw new Error(`eval summed ${sums.tokens} tokens, expected ${batches * batch * ctx}`);
    };
    const extract = async () => {
      for (let b = 0; b < batches; b++) await hookSession.forward({ inputIds: tokens, batch });
    };
    const [tEval, tExtract] = await interleaved([evaluate, extract], reps);
    const n = batches * batch * ctx;
    opts.emit({
      bench: 'eval',
      metric: 'tokens_per_s',
      value: n / tEval,
      unit: 'tok/s',
      peer: 'extraction',
      peerValue: n / tExtract,
      ratio: tExtract / tEval,
      adapter,
      note: `median of ${reps}; ${n} tokens (${batches} batches of ${batch}×${ctx}) at ${hook}, d=${spec.dModel} L=${spec.nLayers} vocab ${spec.vocabSize}, TopK k=${k} d_sae ${weights.dSae} encoder on ${device ? 'the GPU' : 'the CPU'}; extraction = the pruned forward alone`,
    });
  } finally {
    encoder.release();
    await hookSession.release();
    await spliceSession.release();
  }
}
