// SAE training as a job: the GPU trainer runs a slice of steps per job step, metrics go to
// Dexie in batches keyed [runId+step] (with each snapshot's latent counts and probe results), checkpoints every N steps (and at pause/stop/end).
// After a reload the run restarts from its last checkpoint: steps after it are recomputed
// and overwrite their metric rows, so the history stays continuous with no duplicates.
import { resolveConfig, validateConfig, type SaeConfig, type SaeConfigInput } from '../../sae/config';
import { createSaeTrainer, SaeNumericError, type SaeStepMetrics, type SaeTrainer } from '../../sae/trainer';
import { createSyntheticSource, type SyntheticOptions } from '../../sae/synthetic';
import { decodeCheckpoint, encodeCheckpoint } from '../../sae/checkpointCodec';
import { weightsFromState } from '../../sae/formats/state';
import type { SaeState } from '../../sae/state';
import { readCheckpoint, writeCheckpoint } from '../../storage/checkpoints';
import { activationChunkCount, readActivationChunk } from '../../storage/activations';
import { createActivationSource, type BatchSource } from './batchSource';
import { openHookedModel } from './extract';
import { checkTokenizationFits } from './vocabCheck';
import { Extractor } from '../../lm/extract';
import type { ActivationSource } from '../../storage/db';
import type { ChunkRecord, LanternDb, MetricRecord } from '../../storage/db';
import { encoderRule } from '../../features/encoder';
import { gpuEncoder } from '../../features/gpu';
import { JobError, type JobContext, type JobKind } from '../types';
import { dropAfter, writeStepRows } from '../../replay/latents';
import { computeProbeSnapshot, probeChunk, type ProbeSet, type ProbeSpec } from '../../replay/probes';
import { computeProbeSet } from './trainProbes';

export type TrainSource =
  | ({ type: 'synthetic' } & Omit<SyntheticOptions, 'dIn'>)
  /** A stored activation set, read in seeded windows of chunks (see batchSource.ts). */
  | { type: 'activations'; setId: string; seed: number }
  /**
   * Live extraction: chunks of `contextsPerChunk` contexts are computed by the hooked model
   * when the shuffle needs them (nothing stored), in the same seeded windows as a stored set.
   */
  | { type: 'live'; modelId: string; hook: string; tokens: ActivationSource; contextSize: number; contextsPerChunk: number; seed: number; backend: 'auto' | 'wasm' };

export interface TrainParams {
  runId: string;
  name: string;
  config: SaeConfig;
  source: TrainSource;
  totalSteps: number;
  checkpointEvery: number;
  /** Branch: start from this library checkpoint's weights instead of a fresh initialisation. */
  fromCheckpointId?: string;
  /** Probe texts (or synthetic probes) the SAE is applied to at every histogram snapshot; absent: none. */
  probes?: ProbeSpec;
}

export interface TrainState {
  step: number;
  checkpointId?: string;
  checkpointStep: number;
  /** Tokens per second over the last slice. */
  tokensPerSec?: number;
}

interface Live {
  trainer: SaeTrainer;
  source: BatchSource;
  probes?: ProbeSet;
}

/** Trainers live in the worker's memory only while their job runs. */
const live = new Map<string, Live>();

/** Wall-clock budget of one job step: controls (pause, stop) answer within about this. */
const SLICE_MS = 400;

function fieldError(field: string, message: string): JobError {
  return new JobError('invalid-params', message, { field });
}

function validateParams(raw: unknown): TrainParams {
  const p = raw as Partial<TrainParams> & { config?: SaeConfigInput };
  if (!p || typeof p !== 'object') throw fieldError('params', 'Training parameters are missing.');
  if (typeof p.runId !== 'string' || !p.runId) throw fieldError('runId', 'runId is required.');
  if (typeof p.name !== 'string' || !p.name.trim()) throw fieldError('name', 'Give the run a name.');
  if (!p.config) throw fieldError('config', 'The SAE configuration is missing.');
  const totalSteps = Number(p.totalSteps);
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw fieldError('totalSteps', 'Total steps must be a whole number ≥ 1.');
  const checkpointEvery = Number(p.checkpointEvery);
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1) throw fieldError('checkpointEvery', 'Checkpoint interval must be a whole number of steps ≥ 1.');
  const config = resolveConfig({ ...p.config, totalSteps });
  validateConfig(config);
  const src = p.source as Partial<TrainSource> | undefined;
  if (src?.type === 'activations') {
    if (typeof src.setId !== 'string' || !src.setId) throw fieldError('source', 'Choose an activation set.');
  } else if (src?.type === 'live') {
    if (typeof src.modelId !== 'string' || !src.modelId) throw fieldError('modelId', 'Choose a model for live extraction.');
    if (typeof src.hook !== 'string' || !/^blocks\.\d+\.hook_\w+$/.test(src.hook)) throw fieldError('hook', 'Choose a hook point (blocks.L.hook_…).');
    if (src.tokens?.type === 'text' ? !src.tokens.text?.trim() : src.tokens?.type !== 'tokenization') throw fieldError('tokens', 'Give the text (or a tokenized dataset) to extract from.');
    for (const f of ['contextSize', 'contextsPerChunk'] as const) {
      if (!Number.isInteger(src[f]) || (src[f] as number) < 1) throw fieldError(f, `${f} must be a whole number ≥ 1.`);
    }
  } else if (src?.type !== 'synthetic') throw fieldError('source', 'Unknown activation source.');
  if (p.fromCheckpointId !== undefined && (typeof p.fromCheckpointId !== 'string' || !p.fromCheckpointId)) throw fieldError('fromCheckpointId', 'The checkpoint to branch from is missing.');
  const probes = validateProbes(p.probes, src.type === 'synthetic');
  return {
    runId: p.runId,
    name: p.name.trim(),
    config,
    source: src as TrainSource,
    totalSteps,
    checkpointEvery,
    ...(p.fromCheckpointId ? { fromCheckpointId: p.fromCheckpointId } : {}),
    ...(probes ? { probes } : {}),
  };
}

/** Probes: a list of non-empty texts for a model source, a count of 1–16 ground-truth samples for the synthetic one. */
function validateProbes(raw: unknown, synthetic: boolean): ProbeSpec | undefined {
  if (raw === undefined) return undefined;
  const spec = raw as Partial<{ texts: unknown; synthetic: unknown }>;
  if (synthetic) {
    if (!Number.isInteger(spec?.synthetic) || (spec.synthetic as number) < 1 || (spec.synthetic as number) > 16) throw fieldError('probes', 'Synthetic probes must be a count of 1–16 samples.');
    return { synthetic: spec.synthetic as number };
  }
  if (!Array.isArray(spec?.texts) || spec.texts.some((t) => typeof t !== 'string' || !t.trim()) || spec.texts.length > 16) {
    throw fieldError('probeTexts', 'Probe texts must be up to 16 non-empty lines.');
  }
  return { texts: (spec.texts as string[]).map((t) => t.trim()) };
}

/** The run's batches: synthetic ground truth, or a stored activation set whose width must be dIn. */
async function makeSource(params: TrainParams, db: LanternDb): Promise<BatchSource> {
  const source = params.source;
  if (source.type === 'synthetic') {
    const { type: _t, ...opts } = source;
    const synthetic = createSyntheticSource({ ...opts, dIn: params.config.dIn });
    return { next: async (batch) => synthetic.next(batch), saveState: () => synthetic.saveState(), loadState: async (s) => synthetic.loadState(s) };
  }
  if (source.type === 'live') return liveSource(params, source, db);
  const set = await db.activationSets.get(source.setId);
  if (!set || set.status !== 'ready') {
    throw new JobError('invalid-params', `Activation set ${source.setId} does not exist or is not complete; extract it first.`, { field: 'source', setId: source.setId });
  }
  if (set.dModel !== params.config.dIn) {
    throw new JobError('invalid-params', `The activation set has width ${set.dModel} but the SAE's d_in is ${params.config.dIn}; they must match.`, {
      field: 'dIn',
      setWidth: set.dModel,
      dIn: params.config.dIn,
    });
  }
  const count = await activationChunkCount(db, set.id);
  return createActivationSource({ count, dModel: set.dModel, read: async (i) => (await readActivationChunk(db, set.id, i)).activations }, source.seed);
}

/** A metric row keyed by steps completed (the trainer numbers steps from 0). */
function metricRow(runId: string, m: SaeStepMetrics, tokensPerSec: number | undefined): MetricRecord {
  const { step, ...values } = m;
  return { runId, step: step + 1, values: tokensPerSec === undefined ? values : { ...values, tokensPerSec } };
}

/**
 * A checkpoint at the current step, written in one transaction with the job state that names it:
 * A RELOAD NEVER RESUMES FROM AN OLDER CHECKPOINT THAN THE NEWEST STORED (which would write a
 * second checkpoint of the same step).
 */
async function saveCheckpoint(ctx: JobContext, params: TrainParams, l: Live, state: TrainState): Promise<TrainState> {
  if (state.checkpointId && state.checkpointStep === state.step) return state;
  const payload = encodeCheckpoint(await l.trainer.saveState(), l.source.saveState());
  const next = (id: string): TrainState => ({ ...state, checkpointId: id, checkpointStep: state.step });
  const record = await writeCheckpoint(ctx.db, params.runId, state.step, payload, { jobId: ctx.jobId, state: (r) => next(r.id) });
  return next(record.id);
}

/** Batches from the hooked model itself: chunk i is the forward pass over contexts [i·C, (i+1)·C). */
async function liveSource(params: TrainParams, source: Extract<TrainSource, { type: 'live' }>, db: LanternDb): Promise<BatchSource> {
  const hooked = await openHookedModel(
    db,
    { modelId: source.modelId, hook: source.hook, source: source.tokens, contextSize: source.contextSize, batchSize: source.contextsPerChunk, maxSequences: 0, skipPositions: 0, backend: source.backend },
    () => {},
  );
  const { session, config } = hooked;
  if (config.dModel !== params.config.dIn) {
    await session.release();
    throw new JobError('invalid-params', `The model's width at ${source.hook} is ${config.dModel} but the SAE's d_in is ${params.config.dIn}; they must match.`, {
      field: 'dIn',
      width: config.dModel,
      dIn: params.config.dIn,
    });
  }
  const count = Math.ceil(hooked.source.numSequences / source.contextsPerChunk);
  if (count < 1) {
    await session.release();
    throw new JobError('invalid-params', `The text is shorter than one context of ${source.contextSize} tokens.`, { field: 'tokens' });
  }
  return createActivationSource(
    {
      count,
      dModel: config.dModel,
      async read(index) {
        let rows: Float32Array | undefined;
        const at = { nextSequence: index * source.contextsPerChunk, chunkIndex: index, tokensEmitted: 0 };
        await new Extractor(session, hooked.source, config, (chunk) => void (rows = chunk.activations), at).step();
        return rows ?? new Float32Array(0);
      },
      close: () => session.release(),
    },
    source.seed,
  );
}

/** Live extraction from a tokenization: refused before the run exists when its vocabulary is not the model's. */
async function checkLiveTokens(db: LanternDb, source: Extract<TrainSource, { type: 'live' }>): Promise<void> {
  const model = await db.models.get(source.modelId);
  if (!model) throw new JobError('model-missing', 'The model was deleted; download it again on the Models page.', { modelId: source.modelId });
  if (source.tokens.type === 'tokenization') await checkTokenizationFits(db, source.tokens.tokenizationId, model);
}

/** The branch's starting state, refused (naming both sizes) when its dIn / dSae differ from the new config. */
async function branchState(db: LanternDb, params: TrainParams): Promise<SaeState> {
  const id = params.fromCheckpointId as string;
  const { state } = decodeCheckpoint(await readCheckpoint(db, id));
  for (const f of ['dIn', 'dSae'] as const) {
    if (state.config[f] !== params.config[f]) {
      throw new JobError('branch-shape', `Cannot branch: the checkpoint has ${f} = ${state.config[f]}, the new configuration ${params.config[f]}. Keep ${f} when branching.`, {
        field: f,
        checkpoint: state.config[f],
        config: params.config[f],
      });
    }
  }
  return state;
}

/**
 * A branch starts at step 0 of its own schedule from the checkpoint: with the same architecture it
 * keeps the weights, Adam moments, normalisation scale and latent counters (the warm moments make
 * the first bias-corrected updates smaller, never larger); across architectures it takes the
 * weights alone (importWeights: normalisation folded, Adam reset).
 */
async function loadBranch(trainer: SaeTrainer, saved: SaeState, config: SaeConfig): Promise<void> {
  if (saved.config.arch === config.arch) {
    await trainer.loadState({ ...saved, config, step: 0, tokens: 0, fireCount: new Uint32Array(config.dSae) });
  } else {
    await trainer.importWeights(weightsFromState(saved));
  }
}

/** The SAE of `step` (the trainer's current weights) applied to the probes by the GPU encoder, whose buffers are freed after. */
async function probeRow(ctx: JobContext, params: TrainParams, trainer: SaeTrainer, probes: ProbeSet, step: number): Promise<ChunkRecord> {
  const weights = await trainer.exportWeights();
  const tokens = probes.x.reduce((a, x) => a + x.length / params.config.dIn, 0);
  const encoder = gpuEncoder(ctx.device(), weights, encoderRule(params.config.arch, weights, params.config.k), tokens);
  try {
    return await probeChunk(params.runId, await computeProbeSnapshot(step, weights, encoder, probes));
  } finally {
    encoder.release();
  }
}

/** The live trainer, rebuilt from the last checkpoint when the worker has none (reload, resume). */
async function ensureLive(params: TrainParams, state: TrainState, ctx: JobContext): Promise<[Live, TrainState]> {
  const existing = live.get(ctx.jobId);
  if (existing) return [existing, state];
  const source = await makeSource(params, ctx.db);
  const probes = await computeProbeSet(ctx.db, params);
  if (probes) await ctx.db.runs.update(params.runId, { probeTokens: probes.tokens });
  const trainer = await createSaeTrainer(ctx.device(), params.config);
  const l: Live = { trainer, source, probes };
  live.set(ctx.jobId, l);
  if (state.checkpointId) {
    const saved = decodeCheckpoint(await readCheckpoint(ctx.db, state.checkpointId));
    await trainer.loadState(saved.state);
    await source.loadState(saved.source);
  } else if (params.fromCheckpointId) {
    await loadBranch(trainer, await branchState(ctx.db, params), params.config);
  }
  // Metric rows after the starting step are recomputed; drop them so none is left stale (a run
  // stopped before reaching them again would otherwise keep them).
  const from = state.checkpointId ? state.checkpointStep : 0;
  await dropAfter(ctx.db, params.runId, from);
  return [l, { ...state, step: from }];
}

export const trainJob: JobKind<TrainParams, TrainState> = {
  kind: 'train',
  autoResume: true,
  title: (p) => `Train ${p.name}`,
  validate: validateParams,
  async start(params, ctx) {
    const existing = await ctx.db.runs.get(params.runId);
    if (!existing) {
      if (params.fromCheckpointId) await branchState(ctx.db, params);
      if (params.source.type === 'live' && params.source.tokens.type === 'tokenization') await checkLiveTokens(ctx.db, params.source);
      await ctx.db.runs.add({
        id: params.runId,
        name: params.name,
        config: {
          ...params.config,
          source: params.source,
          totalSteps: params.totalSteps,
          checkpointEvery: params.checkpointEvery,
          ...(params.fromCheckpointId ? { fromCheckpointId: params.fromCheckpointId } : {}),
          ...(params.probes ? { probes: params.probes } : {}),
        },
        status: 'running',
        jobId: ctx.jobId,
        step: 0,
        createdAt: Date.now(),
      });
    }
    return { step: 0, checkpointStep: 0 };
  },
  async step(prev, params, ctx) {
    const [l, resumed] = await ensureLive(params, prev, ctx);
    let state = resumed;
    const t0 = performance.now();
    const startStep = state.step;
    // 1. Train until the slice budget, the next checkpoint or the end (with probes, also the next
    //    histogram snapshot, so the probes see the weights of exactly that step).
    const next = (every: number) => (Math.floor(state.step / every) + 1) * every;
    const stopAt = Math.min(params.totalSteps, next(params.checkpointEvery), l.probes ? next(params.config.histogramEvery) : Infinity);
    while (state.step < stopAt && performance.now() - t0 < SLICE_MS) {
      await l.trainer.step(await l.source.next(params.config.batchSize));
      state = { ...state, step: state.step + 1 };
    }
    // 2. Read the metrics back (this waits for the GPU) and store them in one batch.
    try {
      await l.trainer.metrics();
    } catch (e) {
      if (e instanceof SaeNumericError) {
        throw new JobError(e.code, `${e.message}. The last good checkpoint (step ${state.checkpointStep}) is kept.`, e.details);
      }
      throw e;
    }
    const seconds = (performance.now() - t0) / 1000;
    const tokensPerSec = ((state.step - startStep) * params.config.batchSize) / Math.max(seconds, 1e-6);
    const rows = l.trainer.takeMetrics().map((m) => metricRow(params.runId, m, tokensPerSec));
    const hist = l.trainer.histograms();
    if (hist) {
      const row = rows.find((r) => r.step === hist.step);
      if (row) row.histograms = { densityLog10: hist.densityLog10, decoderNorm: hist.decoderNorm };
    }
    const snap = hist && rows.some((r) => r.step === hist.step) ? { step: hist.step, windowTokens: hist.windowTokens, fires: hist.fires } : undefined;
    const probed = snap && l.probes && snap.step === state.step ? await probeRow(ctx, params, l.trainer, l.probes, snap.step) : undefined;
    await writeStepRows(ctx.db, params.runId, rows, snap, probed);
    state = { ...state, tokensPerSec };
    // 3. Checkpoint on the interval.
    if (state.step % params.checkpointEvery === 0) state = await saveCheckpoint(ctx, params, l, state);
    const last = rows.at(-1)?.values;
    return {
      state,
      progress: state.step / params.totalSteps,
      done: state.step >= params.totalSteps,
      message: last ? `step ${state.step} · loss ${last.loss.toPrecision(4)} · L0 ${last.l0.toFixed(1)} · ${Math.round(tokensPerSec)} tok/s` : `step ${state.step}`,
    };
  },
  async checkpoint(state, params, ctx) {
    const l = live.get(ctx.jobId);
    return l ? saveCheckpoint(ctx, params, l, state) : state;
  },
  async finish(prev, params, ctx) {
    const l = live.get(ctx.jobId);
    const state = l ? await saveCheckpoint(ctx, params, l, prev) : prev;
    const last = await ctx.db.metrics.where('[runId+step]').between([params.runId, 0], [params.runId, Infinity]).last();
    await ctx.db.runs.update(params.runId, { status: 'done', step: state.step, finalMetrics: last?.values });
    return params.runId;
  },
  release(jobId) {
    live.get(jobId)?.trainer.destroy();
    void live.get(jobId)?.source.close?.();
    live.delete(jobId);
  },
};
