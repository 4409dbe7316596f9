// Activation extraction as a job: tokens (pasted text or a stored tokenization) → batched forward
// passes of the hooked model (ORT in the GPU worker, WebGPU with a WASM fallback) → one
// activationChunks row per step, with token ids, positions and context indexes.
// EVERY STEP WRITES ITS CHUNK, THE SET'S COUNTS AND THE JOB'S STATE IN ONE TRANSACTION: A RELOAD
// RESUMES AT THE NEXT CONTEXT WITH NO DUPLICATED OR MISSING CHUNK. THE SET IS 'ready' ONLY WHEN
// FINISHED; A FAILED OR CANCELLED EXTRACTION IS DELETED WITH ITS CHUNKS.
import { Extractor, type ActivationChunk, type ChunkMeta, type ExtractionConfig, type ExtractorState } from '../../lm/extract';
import { parseHook } from '../../lm/hooks';
import { loadModelFiles, type ModelDtype, type ModelFiles, VARIANT_SUFFIX } from '../../lm/hub';
import type { ModelSummary } from '../../lm/config';
import { openModel } from '../../lm/model';
import type { Backend, LmSession, SessionPhase } from '../../lm/session';
import { loadTokenizer } from '../../lm/tokenizer';
import { configureOrtForBrowser } from '../../lm/ortBrowser';
import { cacheFirstFetch } from '../../lm/cacheFirst';
import { discardActivationSet, makeActivationChunkRow } from '../../storage/activations';
import { isQuotaError } from '../../storage/errors';
import { discardAbandonedExtraction } from './extractCleanup';
import type { ActivationSetRecord, ActivationSource, LanternDb, ModelRecord } from '../../storage/db';
import { JobError, type JobContext, type JobKind } from '../types';
import { textSource, tokenizationSource, type SizedTokenSource } from './extractSources';
import { checkTokenizationFits, vocabularyOfFiles } from './vocabCheck';

export interface ExtractParams {
  /** The activation set this job writes. */
  setId: string;
  /** A ModelRecord id (a downloaded model). */
  modelId: string;
  /** TransformerLens hook name, e.g. blocks.1.hook_resid_post. */
  hook: string;
  source: ActivationSource;
  /** Tokens per context for pasted text; a tokenization brings its own. */
  contextSize: number;
  /** Contexts per forward pass: one chunk per step. */
  batchSize: number;
  /** Stop after this many contexts; 0 means all of the source. */
  maxSequences: number;
  /** Drop positions below this (1 drops a leading BOS). */
  skipPositions: number;
  /** 'auto': WebGPU, falling back to WASM. */
  backend: 'auto' | 'wasm';
}

export interface ExtractState extends ExtractorState {
  backend: Backend;
  totalSequences: number;
}

interface Live {
  session: LmSession;
  /** Tokens per context of the source. */
  contextSize: number;
  extractor: Extractor;
  /** Removes and returns the chunk the extractor handed over since the last call. */
  take(): { chunk: ActivationChunk; meta: ChunkMeta } | undefined;
}
const live = new Map<string, Live>();
/** The database of every job that started a step here, so release() can clean up after any failure. */
const dbs = new Map<string, LanternDb>();

function paramError(field: string, message: string): JobError {
  return new JobError('invalid-params', message, { field });
}

const whole = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

function validateParams(raw: unknown): ExtractParams {
  const p = raw as Partial<ExtractParams> | undefined;
  if (!p || typeof p !== 'object') throw paramError('params', 'Extraction parameters are missing.');
  if (typeof p.setId !== 'string' || !p.setId) throw paramError('setId', 'setId is required.');
  if (typeof p.modelId !== 'string' || !p.modelId) throw paramError('modelId', 'Choose a model.');
  if (typeof p.hook !== 'string' || !/^blocks\.\d+\.hook_[a-z_]+$/.test(p.hook)) throw paramError('hook', 'Choose a hook point.');
  const s = p.source;
  if (!s || !((s.type === 'text' && typeof s.text === 'string') || (s.type === 'tokenization' && typeof s.tokenizationId === 'string'))) {
    throw paramError('source', 'Choose a tokenized dataset or paste some text.');
  }
  if (s.type === 'text' && !s.text.trim()) throw paramError('source', 'Paste some text to extract from.');
  if (!whole(p.contextSize, 1, 1 << 16)) throw paramError('contextSize', 'Context size must be a whole number from 1 to 65536.');
  if (!whole(p.batchSize, 1, 4096)) throw paramError('batchSize', 'Batch size must be a whole number from 1 to 4096.');
  if (!whole(p.maxSequences, 0, 2 ** 31 - 1)) throw paramError('maxSequences', 'Maximum contexts must be 0 (all) or a positive whole number.');
  if (!whole(p.skipPositions, 0, 1 << 16)) throw paramError('skipPositions', 'Skipped positions must be a whole number ≥ 0.');
  if (p.backend !== 'auto' && p.backend !== 'wasm') throw paramError('backend', 'Backend must be auto or wasm.');
  return p as ExtractParams;
}

async function getModel(db: LanternDb, modelId: string): Promise<ModelRecord & { summary: ModelSummary }> {
  const model = await db.models.get(modelId);
  if (!model) throw new JobError('model-missing', 'The model was deleted; download it again on the Models page.', { modelId });
  return model as ModelRecord & { summary: ModelSummary };
}

function phaseMessage(phase: SessionPhase, backend?: Backend): string {
  if (phase === 'compiling-shaders') return 'Compiling WebGPU shaders (first run of this model)…';
  if (phase === 'creating') return `Creating the ${backend === 'webgpu' ? 'WebGPU' : 'WASM'} inference session…`;
  return `Session ready on ${backend === 'webgpu' ? 'WebGPU' : 'WASM'}`;
}

export interface HookedModel {
  session: LmSession;
  source: SizedTokenSource;
  /** The extractor's configuration for this model, hook and source. */
  config: ExtractionConfig;
  /** The downloaded files (graph, external data, tokenizer) the session was built from. */
  files: ModelFiles;
}

/**
 * 1. The model from the cache, 2. the token source, 3. the hooked session pruned to the hook.
 * Shared by extraction jobs and by training on live extraction.
 */
export async function openHookedModel(
  db: LanternDb,
  params: Pick<ExtractParams, 'modelId' | 'hook' | 'source' | 'contextSize' | 'batchSize' | 'maxSequences' | 'skipPositions' | 'backend'>,
  onMessage: (message: string) => void,
): Promise<HookedModel> {
  configureOrtForBrowser();
  const model = await getModel(db, params.modelId);
  const { summary } = model;
  parseHook(params.hook, summary.nLayers);
  onMessage('Loading the model…');
  const files = await loadModelFiles(model.repo, {
    host: model.host,
    revision: model.revision,
    dtype: (model.variant in VARIANT_SUFFIX ? model.variant : 'fp32') as ModelDtype,
    fetch: typeof caches === 'undefined' ? undefined : cacheFirstFetch(),
  });
  let source: SizedTokenSource;
  if (params.source.type === 'text') {
    source = textSource(params.source.text, loadTokenizer(files.tokenizerJson, files.tokenizerConfig), params.contextSize);
  } else {
    // A tokenization from another vocabulary is refused here, before any session or record exists.
    await checkTokenizationFits(db, params.source.tokenizationId, model, await vocabularyOfFiles(files.tokenizerJson, files.tokenizerConfig, model));
    source = await tokenizationSource(db, params.source.tokenizationId, summary.vocabSize);
  }
  if (summary.nCtx && source.contextSize > summary.nCtx) {
    throw new JobError('context-too-long', `Contexts of ${source.contextSize} tokens exceed the model's ${summary.nCtx}-token window.`, {
      contextSize: source.contextSize,
      nCtx: summary.nCtx,
    });
  }
  const { session } = await openModel(files, { expose: [params.hook], pruneToHooks: true }, {
    backends: params.backend === 'wasm' ? ['wasm'] : ['webgpu', 'wasm'],
    onPhase: (phase, backend) => onMessage(phaseMessage(phase, backend)),
  });
  const config: ExtractionConfig = {
    model: model.repo,
    revision: model.revision,
    hook: params.hook,
    contextSize: source.contextSize,
    batchSize: params.batchSize,
    dModel: summary.dModel,
    skipPositions: params.skipPositions,
    maxSequences: params.maxSequences || undefined,
  };
  return { session, source, config, files };
}

/**
 * Stores `message` as the job's progress. One refused for quota is dropped: it is advisory, and the
 * step's own write reports the quota (pausing the job with what to delete).
 */
export function progressMessage(db: LanternDb, jobId: string): (message: string) => void {
  return (message) =>
    void db.jobs.update(jobId, { message }).catch((e: unknown) => {
      if (!isQuotaError(e)) throw e;
    });
}

/** The hooked model and the extractor at `state`. */
async function openLive(params: ExtractParams, ctx: JobContext, state?: ExtractorState): Promise<Live> {
  const { db, jobId } = ctx;
  const { session, source, config } = await openHookedModel(db, params, progressMessage(db, jobId));
  let pending: { chunk: ActivationChunk; meta: ChunkMeta } | undefined;
  let extractor: Extractor;
  try {
    extractor = new Extractor(
      session,
      source,
      config,
      (chunk, meta) => {
        pending = { chunk, meta };
      },
      state,
    );
  } catch (e) {
    await session.release();
    throw e;
  }
  const take = () => {
    const chunk = pending;
    pending = undefined;
    return chunk;
  };
  const l: Live = { session, contextSize: source.contextSize, extractor, take };
  live.set(jobId, l);
  return l;
}

export const extractJob: JobKind<ExtractParams, ExtractState> = {
  kind: 'extract',
  autoResume: true,
  async title(p, db) {
    const model = (await db.models.get(p.modelId))?.repo ?? p.modelId;
    const from = p.source.type === 'text' ? 'pasted text' : ((await db.datasets.get(p.source.datasetId))?.name ?? 'a dataset');
    return `Extract ${p.hook} of ${model} from ${from}`;
  },
  validate: validateParams,

  async start(params, ctx) {
    const { db } = ctx;
    dbs.set(ctx.jobId, db);
    const model = await getModel(db, params.modelId);
    // A session that cannot open (bad hook, layer out of range, no backend) fails here, before anything is stored.
    const l = live.get(ctx.jobId) ?? (await openLive(params, ctx));
    const { extractor, session } = l;
    const record: ActivationSetRecord = {
      id: params.setId,
      modelId: params.modelId,
      model: model.repo,
      revision: model.revision,
      hook: params.hook,
      layer: parseHook(params.hook, model.summary.nLayers).layer,
      dModel: model.summary.dModel,
      tokens: 0,
      contextSize: l.contextSize,
      dtype: 'f32',
      modelDtype: session.signature.dtype,
      status: 'running',
      createdAt: Date.now(),
      jobId: ctx.jobId,
      source: params.source,
      sequences: 0,
      chunks: 0,
      backend: session.backend,
    };
    await db.transaction('rw', db.activationSets, db.activationChunks, async () => {
      await db.activationChunks.where('ownerId').equals(params.setId).delete();
      await db.activationSets.put(record);
    });
    return { ...extractor.state, backend: session.backend, totalSequences: extractor.totalSequences };
  },

  async step(prev, params, ctx) {
    const { db } = ctx;
    dbs.set(ctx.jobId, db);
    const l = live.get(ctx.jobId) ?? (await openLive(params, ctx, prev));
    // 1. One batch through the model; the extractor hands its chunk over.
    l.take();
    await l.extractor.step();
    const next = l.extractor.state;
    const state: ExtractState = { ...next, backend: l.session.backend, totalSequences: l.extractor.totalSequences };
    const pending = l.take();
    // 2. The chunk row, hashed before the transaction.
    const row = pending
      ? await makeActivationChunkRow(params.setId, pending.meta.chunkIndex, { ...pending.chunk, sequences: pending.chunk.docIds }, pending.meta.dModel)
      : undefined;
    // 3. Chunk + set counts + job state: one transaction.
    await db.transaction('rw', db.activationSets, db.activationChunks, db.jobs, async () => {
      const record = await db.activationSets.get(params.setId);
      if (!record || record.status !== 'running') {
        throw new JobError('set-gone', 'The activation set was deleted while it was being extracted.', { id: params.setId });
      }
      if (row) await db.activationChunks.put(row);
      await db.activationSets.update(params.setId, { tokens: next.tokensEmitted, sequences: next.nextSequence, chunks: next.chunkIndex, backend: l.session.backend });
      await db.jobs.update(ctx.jobId, { state });
    });
    const total = state.totalSequences;
    return {
      state,
      progress: total ? next.nextSequence / total : 1,
      done: l.extractor.done,
      message: `${next.nextSequence.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} contexts · ${next.tokensEmitted.toLocaleString('en-US')} tokens · ${l.session.backend === 'webgpu' ? 'WebGPU' : 'WASM'}`,
    };
  },

  async finish(state, params, ctx) {
    const { db } = ctx;
    if (state.chunkIndex === 0) {
      await discardActivationSet(db, params.setId);
      return undefined;
    }
    await db.activationSets.update(params.setId, {
      status: 'ready',
      tokens: state.tokensEmitted,
      sequences: state.nextSequence,
      chunks: state.chunkIndex,
      backend: state.backend,
    });
    return params.setId;
  },

  release(jobId) {
    const entry = live.get(jobId);
    const db = dbs.get(jobId);
    live.delete(jobId);
    dbs.delete(jobId);
    if (entry) void entry.session.release();
    if (db) void discardAbandonedExtraction(db, jobId);
  },
};
