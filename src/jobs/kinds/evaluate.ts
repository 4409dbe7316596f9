// SAE evaluation as a job (kind 'eval'): the last contexts of a tokenization (or pasted text) through
// the model with the hook exposed, the SAE's encoder (WebGPU, or the CPU reference), and the model with
// the hook spliced (clean, reconstructed, zero-ablated); sums kept in the job's state after every step,
// one batch a step, so a reload resumes at the next batch. The scores are written on the checkpoint only when finished.
import { cpuEncoder, encoderRule, type Encoder } from '../../features/encoder';
import { gpuEncoder } from '../../features/gpu';
import { emptySums, evaluateBatch, scores, type EvalModel, type EvalSums } from '../../lm/evaluate';
import { parseHook } from '../../lm/hooks';
import { openModel } from '../../lm/model';
import type { LmSession } from '../../lm/session';
import type { SaeWeights } from '../../sae/types';
import { latestCheckpoint } from '../../storage/checkpoints';
import type { ActivationSource, CheckpointEvaluation, LanternDb } from '../../storage/db';
import { JobError, type JobContext, type JobKind } from '../types';
import { checkWidth, loadWeights, onDevice } from './analyze';
import { openHookedModel, progressMessage } from './extract';
import type { SizedTokenSource } from './extractSources';
import type { TrainParams } from './train';

export interface EvalParams {
  /** The library checkpoint (trained or imported) evaluated. */
  saeId: string;
  modelId: string;
  hook: string;
  source: ActivationSource;
  /** Tokens per context for pasted text; a tokenization brings its own. */
  contextSize: number;
  /** About this many tokens, in whole contexts from the end of the source (at least one). */
  maxTokens: number;
  /** Contexts per forward pass. */
  batchContexts: number;
  backend: 'auto' | 'wasm';
}

export interface EvalState {
  /** The first context evaluated, and how many. */
  first: number;
  contexts: number;
  /** Contexts done. */
  cursor: number;
  sums: EvalSums;
}

/** Tokens an evaluation queued after training reads. */
export const AFTER_TRAINING_TOKENS = 2048;

interface Live {
  model: EvalModel;
  sessions: LmSession[];
  source: SizedTokenSource;
  encoder: Encoder;
  weights: SaeWeights;
}
const live = new Map<string, Live>();

const paramError = (field: string, message: string) => new JobError('invalid-params', message, { field });
const whole = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

function validateParams(raw: unknown): EvalParams {
  const p = raw as Partial<EvalParams> | undefined;
  if (!p || typeof p !== 'object') throw paramError('params', 'Evaluation parameters are missing.');
  if (typeof p.saeId !== 'string' || !p.saeId) throw paramError('saeId', 'Choose the SAE checkpoint to evaluate.');
  if (typeof p.modelId !== 'string' || !p.modelId) throw paramError('modelId', 'Choose the model the SAE reads.');
  if (typeof p.hook !== 'string' || !/^blocks\.\d+\.hook_[a-z_]+$/.test(p.hook)) throw paramError('hook', 'Choose the hook point the SAE reads (blocks.L.hook_…).');
  const s = p.source;
  if (!s || !((s.type === 'text' && typeof s.text === 'string' && s.text.trim()) || (s.type === 'tokenization' && typeof s.tokenizationId === 'string' && s.tokenizationId))) {
    throw paramError('source', 'Choose a tokenized dataset (or paste some text) to evaluate on.');
  }
  if (!whole(p.contextSize, 2, 1 << 16)) throw paramError('contextSize', 'Context size must be a whole number from 2 to 65536.');
  if (!whole(p.maxTokens, 1, 2 ** 31 - 1)) throw paramError('maxTokens', 'Tokens must be a positive whole number.');
  if (!whole(p.batchContexts, 1, 4096)) throw paramError('batchContexts', 'Contexts per batch must be a whole number from 1 to 4096.');
  if (p.backend !== 'auto' && p.backend !== 'wasm') throw paramError('backend', 'Backend must be auto or wasm.');
  return p as EvalParams;
}

/** 1. The SAE, 2. the model exposing the hook and the token source, 3. the width check, 4. the splicing model and the encoder. */
async function openLive(params: EvalParams, ctx: JobContext): Promise<Live> {
  const { db, jobId } = ctx;
  const { weights, arch, k } = await loadWeights(db, params.saeId);
  const onMessage = progressMessage(db, jobId);
  const hooked = await openHookedModel(
    db,
    { modelId: params.modelId, hook: params.hook, source: params.source, contextSize: params.contextSize, batchSize: params.batchContexts, maxSequences: 0, skipPositions: 0, backend: params.backend },
    onMessage,
  );
  const sessions = [hooked.session];
  try {
    checkWidth(weights, params.hook, hooked.files.repo, hooked.config.dModel);
    if (hooked.source.contextSize < 2) throw new JobError('context-too-short', 'Contexts of one token have no next token to predict; use longer contexts.', { field: 'contextSize' });
    onMessage('Loading the model with the hook spliced…');
    const spliced = await openModel(hooked.files, { splice: [params.hook] }, { backends: params.backend === 'wasm' ? ['wasm'] : ['webgpu', 'wasm'] });
    sessions.push(spliced.session);
    const rule = encoderRule(arch, weights, k);
    const encoder = onDevice(ctx, (d) => gpuEncoder(d, weights, rule), () => cpuEncoder(weights, rule)).value;
    const model: EvalModel = { hook: params.hook, hookSession: hooked.session, spliceSession: spliced.session, spliceInput: spliced.surgery.spliceInputs[params.hook] };
    const l: Live = { model, sessions, source: hooked.source, encoder, weights };
    live.set(jobId, l);
    return l;
  } catch (e) {
    for (const s of sessions) await s.release();
    throw e;
  }
}

function releaseLive(jobId: string): void {
  const l = live.get(jobId);
  live.delete(jobId);
  if (!l) return;
  for (const s of l.sessions) void s.release();
  l.encoder.release();
}

export const evalJob: JobKind<EvalParams, EvalState> = {
  kind: 'eval',
  autoResume: true,
  async title(p, db) {
    const c = await db.checkpoints.get(p.saeId);
    return `Evaluate ${c?.name ?? p.saeId} at ${p.hook}`;
  },
  validate: validateParams,

  async start(params, ctx) {
    const model = await ctx.db.models.get(params.modelId);
    if (!model) throw new JobError('model-missing', 'The model was deleted; add it again on the Models page.', { field: 'modelId' });
    parseHook(params.hook, Number((model.summary as { nLayers?: number }).nLayers ?? 0));
    const l = live.get(ctx.jobId) ?? (await openLive(params, ctx));
    const total = l.source.numSequences;
    if (total < 1) throw new JobError('empty-source', 'The source has no complete context to evaluate on; tokenize a larger dataset or use a smaller context size.', { field: 'source' });
    const contexts = Math.min(total, Math.max(1, Math.ceil(params.maxTokens / l.source.contextSize)));
    return { first: total - contexts, contexts, cursor: 0, sums: emptySums(l.weights.dIn, l.weights.dSae) };
  },

  async step(state, params, ctx) {
    const l = live.get(ctx.jobId) ?? (await openLive(params, ctx));
    const sums = structuredClone(state.sums);
    const count = Math.min(params.batchContexts, state.contexts - state.cursor);
    const { tokens } = await l.source.read(state.first + state.cursor, count);
    await evaluateBatch(l.model, l.encoder, l.weights, tokens, count, sums);
    const cursor = state.cursor + count;
    const done = cursor >= state.contexts;
    return { state: { ...state, cursor, sums }, progress: cursor / state.contexts, done, message: `Evaluated ${cursor} of ${state.contexts} contexts` };
  },

  async finish(state, params, ctx, stopped) {
    if (stopped || state.cursor < state.contexts) return undefined;
    const { db } = ctx;
    const model = await db.models.get(params.modelId);
    const evaluation: CheckpointEvaluation = {
      modelId: params.modelId,
      model: model?.repo ?? params.modelId,
      hook: params.hook,
      source: params.source,
      contexts: state.contexts,
      ...scores(state.sums),
      createdAt: Date.now(),
    };
    const updated = await db.checkpoints.update(params.saeId, { evaluation });
    if (!updated) throw new JobError('checkpoint-gone', 'The checkpoint was deleted while it was evaluated.', { field: 'saeId' });
    return params.saeId;
  },

  release: releaseLive,
};

/**
 * The evaluation a finished training job leads to: its run's final checkpoint on the model, hook and
 * tokens it trained from, when it trained from a model (a live source); undefined otherwise (stopped,
 * not a training job, trained from stored activations, or no checkpoint).
 */
export async function evalAfterTraining(db: LanternDb, jobId: string): Promise<EvalParams | undefined> {
  const job = await db.jobs.get(jobId);
  if (!job || job.kind !== 'train' || job.status !== 'done' || job.stopped) return undefined;
  const params = job.params as TrainParams;
  if (params.source.type !== 'live') return undefined;
  const final = await latestCheckpoint(db, params.runId);
  if (!final) return undefined;
  const { modelId, hook, tokens, contextSize, backend } = params.source;
  return { saeId: final.id, modelId, hook, source: tokens, contextSize, maxTokens: AFTER_TRAINING_TOKENS, batchContexts: Math.max(1, Math.floor(512 / contextSize)), backend };
}
