// Feature analysis as a job: the hooked model and the SAE encoder (GPU kernels, or the CPU
// reference without WebGPU) run twice over a tokenization's contexts (statistics, then samples),
// then latents are assembled block by block (windows, logit effects, neighbours), then laid out
// on the 2-D map (UMAP of the decoder directions; recomputed identically after a reload).
// THE ACCUMULATOR IS SNAPSHOTTED WITH THE JOB'S STATE IN ONE TRANSACTION; A RELOAD RESUMES FROM THE
// SNAPSHOT AND RECOMPUTES THE BATCHES AFTER IT, SO THE RESULT EQUALS AN UNINTERRUPTED RUN'S. EACH
// DETAIL BLOCK IS WRITTEN WITH THE STATE THAT COUNTS IT. THE ANALYSIS IS 'ready' ONLY AT THE END;
// A FAILED, CANCELLED OR STOPPED ANALYSIS IS DELETED WITH EVERY CHUNK.
import { Analyzer, assembleLatents, densityHistogram, summaryRow } from '../../features/analyzer';
import { cpuNeighbours, cpuProduct, unitRows, type NeighbourSearch, type RowProduct } from '../../features/effects';
import { cpuEncoder, encoderRule, type Encoder } from '../../features/encoder';
import { gpuEncoder, gpuNeighbours, gpuProduct } from '../../features/gpu';
import { FeatureMapLayout } from '../../features/map';
import { vocabularyText } from '../../features/tokens';
import { analysedSae, DEFAULT_ANALYSIS_OPTIONS, type FeatureSummaryRow } from '../../features/types';
import { findUnembedding, UnembeddingError } from '../../features/unembedding';
import { parseHook } from '../../lm/hooks';
import type { LmSession } from '../../lm/session';
import { loadTokenizer } from '../../lm/tokenizer';
import { decodeCheckpoint } from '../../sae/checkpointCodec';
import { weightsFromState } from '../../sae/formats/state';
import type { SaeWeights } from '../../sae/types';
import { deleteAnalysis, deleteSnapshot, jsonChunk, readBlock, readPositions, readSnapshot, snapshotChunks } from '../../storage/analyses';
import { latestCheckpoint, readCheckpoint } from '../../storage/checkpoints';
import type { ActivationSource, AnalysisRecord, LanternDb } from '../../storage/db';
import { JobError, type JobContext, type JobKind } from '../types';
import { openHookedModel, progressMessage } from './extract';
import type { SizedTokenSource } from './extractSources';

export interface AnalyzeParams {
  /** The analysis record this job writes. */
  analysisId: string;
  /** The library checkpoint analysed; or, instead, */
  saeId?: string;
  /** a training run whose final checkpoint is analysed: resolved when the job starts, refused unless the run finished. */
  runId?: string;
  modelId: string;
  hook: string;
  source: ActivationSource;
  /** Tokens per context for pasted text; a tokenization brings its own. */
  contextSize: number;
  /** Analyse about this many tokens (whole contexts, at least one); 0 means the whole source. */
  maxTokens: number;
  /** Tokens shown each side of an example. */
  windowRadius: number;
  /** Contexts per forward pass. */
  batchContexts: number;
  backend: 'auto' | 'wasm';
}

export interface AnalyzeState {
  /** The checkpoint analysed (params.saeId, or the run's final checkpoint as resolved at start). */
  saeId?: string;
  phase: 'stats' | 'samples' | 'assemble' | 'map';
  /** Next context of a pass, or next detail block (1 in 'map' once the positions are stored). */
  cursor: number;
  contexts: number;
  blocks: number;
  /** Where the stored snapshot stands (absent until the first one). */
  snapshot?: { phase: 'stats' | 'samples' | 'done'; cursor: number };
}

/** Latents per detail chunk. */
export const LATENTS_PER_BLOCK = 64;
/** Wall-clock budget of one step of the passes, and the least time between snapshots. */
const SLICE_MS = 400;
const SNAPSHOT_MS = 2000;

interface Live {
  session: LmSession;
  source: SizedTokenSource;
  analyzer: Analyzer;
  encoder: Encoder;
  logits: RowProduct;
  neighbours: NeighbourSearch;
  weights: SaeWeights;
  unitDec: Float32Array;
  vocab: string[];
  snapshotAt: number;
  map?: FeatureMapLayout;
}
const live = new Map<string, Live>();
const dbs = new Map<string, LanternDb>();

const paramError = (field: string, message: string) => new JobError('invalid-params', message, { field });
const whole = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

function validateParams(raw: unknown): AnalyzeParams {
  const p = raw as Partial<AnalyzeParams> | undefined;
  if (!p || typeof p !== 'object') throw paramError('params', 'Analysis parameters are missing.');
  if (typeof p.analysisId !== 'string' || !p.analysisId) throw paramError('analysisId', 'analysisId is required.');
  const named = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (named(p.saeId) === named(p.runId)) throw paramError('saeId', 'Name either the SAE checkpoint (saeId) or the training run whose final checkpoint is analysed (runId), not both.');
  if (typeof p.modelId !== 'string' || !p.modelId) throw paramError('modelId', 'Choose the model the SAE reads.');
  if (typeof p.hook !== 'string' || !/^blocks\.\d+\.hook_[a-z_]+$/.test(p.hook)) throw paramError('hook', 'Choose the hook point the SAE reads (blocks.L.hook_…).');
  const s = p.source;
  if (!s || !((s.type === 'text' && typeof s.text === 'string' && s.text.trim()) || (s.type === 'tokenization' && typeof s.tokenizationId === 'string' && s.tokenizationId))) {
    throw paramError('source', 'Choose a tokenized dataset (or paste some text) to analyse.');
  }
  if (!whole(p.contextSize, 1, 1 << 16)) throw paramError('contextSize', 'Context size must be a whole number from 1 to 65536.');
  if (!whole(p.maxTokens, 0, 2 ** 31 - 1)) throw paramError('maxTokens', 'Tokens must be 0 (all) or a positive whole number.');
  if (!whole(p.windowRadius, 0, 64)) throw paramError('windowRadius', 'The window must be 0 to 64 tokens each side.');
  if (!whole(p.batchContexts, 1, 4096)) throw paramError('batchContexts', 'Contexts per batch must be a whole number from 1 to 4096.');
  if (p.backend !== 'auto' && p.backend !== 'wasm') throw paramError('backend', 'Backend must be auto or wasm.');
  return p as AnalyzeParams;
}

/**
 * The checkpoint an analysis reads: params.saeId, or the final checkpoint of params.runId, which
 * exists only once that run has finished; an unfinished or missing run is refused, saying why.
 */
export async function resolveAnalysisSae(db: LanternDb, params: Pick<AnalyzeParams, 'saeId' | 'runId'>): Promise<string> {
  if (params.saeId) return params.saeId;
  const runId = params.runId as string;
  const run = await db.runs.get(runId);
  if (!run) throw new JobError('run-missing', `The training run ${runId} whose final checkpoint this analysis reads no longer exists; analyse a checkpoint from the Library instead.`, { field: 'runId', runId });
  if (run.status !== 'done') {
    throw new JobError('run-not-finished', `Run "${run.name}" is ${run.status}, so it has no final checkpoint yet; retry this analysis once the run has finished.`, {
      field: 'runId',
      runId,
      status: run.status,
    });
  }
  const final = await latestCheckpoint(db, runId);
  if (!final) throw new JobError('run-without-checkpoint', `Run "${run.name}" finished without a stored checkpoint; nothing to analyse.`, { field: 'runId', runId });
  return final.id;
}

export async function loadWeights(db: LanternDb, saeId: string): Promise<{ weights: SaeWeights; arch: Parameters<typeof encoderRule>[0]; k: number }> {
  const { state } = decodeCheckpoint(await readCheckpoint(db, saeId));
  return { weights: weightsFromState(state), arch: state.config.arch, k: state.config.k };
}

/** A GPU implementation when the job has a device, else the CPU reference. */
export function onDevice<T>(ctx: JobContext, gpu: (device: GPUDevice) => T, cpu: () => T): { value: T; kind: 'webgpu' | 'cpu' } {
  let device: GPUDevice;
  try {
    device = ctx.device();
  } catch (e) {
    if (e instanceof JobError && e.code === 'webgpu-unavailable') return { value: cpu(), kind: 'cpu' };
    throw e;
  }
  return { value: gpu(device), kind: 'webgpu' };
}

/** Refuses an SAE whose d_in is not the width of the hook it is run at. */
export function checkWidth(weights: SaeWeights, hook: string, repo: string, width: number): void {
  if (weights.dIn !== width) {
    throw new JobError('width-mismatch', `The SAE reads d_in = ${weights.dIn} activations, but ${hook} of ${repo} has width ${width}; choose the model and hook the SAE was trained on.`, {
      field: 'hook',
      dIn: weights.dIn,
      width,
    });
  }
}

const contextsOf = (p: AnalyzeParams, source: SizedTokenSource) =>
  p.maxTokens ? Math.min(source.numSequences, Math.max(1, Math.ceil(p.maxTokens / source.contextSize))) : source.numSequences;

/**
 * 1. The SAE, 2. the hooked model and token source, 3. width and unembedding checks, 4. the encoder
 * and products, 5. the analyzer at the stored snapshot (or fresh). Returns the state it resumes at.
 */
async function openLive(params: AnalyzeParams, saeId: string, ctx: JobContext, state?: AnalyzeState): Promise<[Live, { encoder: 'webgpu' | 'cpu'; unembedding: string; contexts: number }, AnalyzeState | undefined]> {
  const { db, jobId } = ctx;
  const { weights, arch, k } = await loadWeights(db, saeId);
  const hooked = await openHookedModel(
    db,
    { modelId: params.modelId, hook: params.hook, source: params.source, contextSize: params.contextSize, batchSize: params.batchContexts, maxSequences: 0, skipPositions: 0, backend: params.backend },
    progressMessage(db, jobId),
  );
  const { session, source, files } = hooked;
  try {
    const dModel = hooked.config.dModel;
    checkWidth(weights, params.hook, files.repo, dModel);
    const contexts = contextsOf(params, source);
    if (contexts < 1) throw new JobError('empty-source', 'The tokenization has no complete context to analyse; tokenize a larger dataset or a smaller context size.', { field: 'source' });
    let unembedding;
    try {
      unembedding = findUnembedding(files.onnx, files.externalData, dModel);
    } catch (e) {
      if (e instanceof UnembeddingError) throw new JobError(e.code, `${e.message} Logit effects need the model's unembedding.`, { field: 'modelId' });
      throw e;
    }
    const rule = encoderRule(arch, weights, k);
    const unitDec = unitRows(weights.W_dec, weights.dSae, weights.dIn);
    const encoder = onDevice(ctx, (d) => gpuEncoder(d, weights, rule), () => cpuEncoder(weights, rule));
    const logits = onDevice(ctx, (d) => gpuProduct(d, unembedding.W_U, dModel, unembedding.vocab, 'nn'), () => cpuProduct(unembedding.W_U, dModel, unembedding.vocab, 'nn'));
    const neighbours = onDevice(ctx, (d) => gpuNeighbours(d, unitDec, weights.dSae, dModel), () => cpuNeighbours(unitDec, weights.dSae, dModel));
    const vocab = vocabularyText(loadTokenizer(files.tokenizerJson, files.tokenizerConfig), unembedding.vocab, files.tokenizerJson);
    const config = { hook: params.hook, contexts, batchContexts: params.batchContexts, options: { ...DEFAULT_ANALYSIS_OPTIONS, windowRadius: params.windowRadius } };
    // Resume at the snapshot: passes restart there; written detail blocks stay written.
    const snap = state?.snapshot ? await readSnapshot(db, { id: params.analysisId, saeId }) : undefined;
    const analyzer = new Analyzer(session, source, encoder.value, config, snap ? { position: { phase: snap.phase, cursor: snap.cursor }, snapshot: snap.accumulator } : undefined);
    let resumed: AnalyzeState | undefined;
    if (state) {
      if (state.phase === 'assemble' || state.phase === 'map') resumed = state;
      else if (snap) resumed = { ...state, phase: snap.phase === 'done' ? 'assemble' : snap.phase, cursor: snap.phase === 'done' ? 0 : snap.cursor };
      else resumed = { ...state, phase: 'stats', cursor: 0 };
    }
    const l: Live = { session, source, analyzer, encoder: encoder.value, logits: logits.value, neighbours: neighbours.value, weights, unitDec, vocab, snapshotAt: performance.now() };
    live.set(jobId, l);
    return [l, { encoder: encoder.kind, unembedding: unembedding.source, contexts }, resumed];
  } catch (e) {
    await session.release();
    throw e;
  }
}

async function ensureLive(params: AnalyzeParams, state: AnalyzeState, ctx: JobContext): Promise<[Live, AnalyzeState]> {
  const existing = live.get(ctx.jobId);
  if (existing) return [existing, state];
  const [l, , resumed] = await openLive(params, analysedSae(params, state) as string, ctx, state);
  return [l, resumed ?? state];
}

/** Snapshot rows + job state in one transaction (hashing first: WebCrypto inside would commit it early). */
async function saveSnapshot(ctx: JobContext, params: AnalyzeParams, l: Live, state: AnalyzeState): Promise<AnalyzeState> {
  const position = l.analyzer.position;
  const next: AnalyzeState = { ...state, snapshot: position };
  const rows = await snapshotChunks(params.analysisId, { ...position, accumulator: l.analyzer.acc.snapshot() });
  await ctx.db.transaction('rw', ctx.db.analyses, ctx.db.analysisChunks, ctx.db.jobs, async () => {
    await alive(ctx.db, params);
    await deleteSnapshot(ctx.db, params.analysisId);
    await ctx.db.analysisChunks.bulkPut(rows);
    await ctx.db.jobs.update(ctx.jobId, { state: next });
  });
  l.snapshotAt = performance.now();
  return next;
}

async function alive(db: LanternDb, params: AnalyzeParams): Promise<void> {
  if ((await db.analyses.get(params.analysisId))?.status !== 'running') {
    throw new JobError('analysis-gone', 'The analysis was deleted while it ran.', { id: params.analysisId });
  }
}

/** UMAP epochs for a slice; the positions (chunk 1 + blocks) are written with the state that says so. */
async function mapStep(ctx: JobContext, params: AnalyzeParams, l: Live, prev: AnalyzeState) {
  l.map ??= new FeatureMapLayout(l.unitDec, l.weights.dSae, l.weights.dIn);
  l.map.run(SLICE_MS);
  const progress = 0.95 + 0.05 * l.map.progress;
  if (!l.map.done) return { state: prev, progress, done: false, message: `Laying out the feature map: ${Math.round(l.map.progress * 100)}%` };
  const row = await jsonChunk(params.analysisId, 1 + prev.blocks, l.map.positions());
  const state: AnalyzeState = { ...prev, cursor: 1 };
  await ctx.db.transaction('rw', ctx.db.analyses, ctx.db.analysisChunks, ctx.db.jobs, async () => {
    await alive(ctx.db, params);
    await ctx.db.analysisChunks.put(row);
    await ctx.db.jobs.update(ctx.jobId, { state });
  });
  return { state, progress: 1, done: true, message: 'Feature map laid out' };
}

/** Deletes the analysis of a failed or cancelled job with its chunks. */
async function discardAbandoned(db: LanternDb, jobId: string): Promise<void> {
  const job = await db.jobs.get(jobId);
  if (!job || (job.status !== 'failed' && job.status !== 'cancelled')) return;
  const id = (job.params as { analysisId?: unknown }).analysisId;
  const record = typeof id === 'string' ? await db.analyses.get(id) : undefined;
  if (record && record.jobId === jobId && record.status === 'running') await deleteAnalysis(db, record.id);
}

export const analyzeJob: JobKind<AnalyzeParams, AnalyzeState> = {
  kind: 'analyze',
  autoResume: true,
  async title(p, db) {
    if (!p.runId) return `Analyse features at ${p.hook}`;
    return `Analyse features of ${(await db.runs.get(p.runId))?.name ?? p.runId} (final checkpoint) at ${p.hook}`;
  },
  validate: validateParams,

  async start(params, ctx) {
    const { db } = ctx;
    dbs.set(ctx.jobId, db);
    const model = await db.models.get(params.modelId);
    if (!model) throw new JobError('model-missing', 'The model was deleted; add it again on the Models page.', { field: 'modelId' });
    parseHook(params.hook, Number((model.summary as { nLayers?: number }).nLayers ?? 0));
    // Everything that can be refused (SAE, width, source, unembedding) is checked here, before anything is stored.
    const saeId = await resolveAnalysisSae(db, params);
    const [l, meta] = await openLive(params, saeId, ctx);
    const record: AnalysisRecord = {
      id: params.analysisId,
      saeId,
      status: 'running',
      jobId: ctx.jobId,
      modelId: params.modelId,
      model: model.repo,
      hook: params.hook,
      source: params.source,
      contexts: meta.contexts,
      contextSize: l.source.contextSize,
      tokens: meta.contexts * l.source.contextSize,
      windowRadius: params.windowRadius,
      dIn: l.weights.dIn,
      dSae: l.weights.dSae,
      vocab: l.vocab.length,
      latentsPerBlock: LATENTS_PER_BLOCK,
      blocks: Math.ceil(l.weights.dSae / LATENTS_PER_BLOCK),
      unembedding: meta.unembedding,
      encoder: meta.encoder,
      createdAt: Date.now(),
    };
    await db.transaction('rw', db.analyses, db.analysisChunks, async () => {
      await db.analysisChunks.where('ownerId').equals(params.analysisId).delete();
      await db.analyses.put(record);
    });
    return { saeId, phase: 'stats', cursor: 0, contexts: meta.contexts, blocks: record.blocks };
  },

  async step(prev, params, ctx) {
    dbs.set(ctx.jobId, ctx.db);
    const [l, resumed] = await ensureLive(params, prev, ctx);
    let state = resumed;
    if (state.phase === 'stats' || state.phase === 'samples') {
      // 1. Batches of the current pass until the slice budget or the pass ends.
      const t0 = performance.now();
      const phase = l.analyzer.position.phase;
      do await l.analyzer.step();
      while (l.analyzer.position.phase === phase && performance.now() - t0 < SLICE_MS);
      const pos = l.analyzer.position;
      state = pos.phase === 'done' ? { ...state, phase: 'assemble', cursor: 0 } : { ...state, phase: pos.phase, cursor: pos.cursor };
      // 2. A snapshot at every pass boundary and every SNAPSHOT_MS.
      if (pos.phase !== phase || performance.now() - l.snapshotAt >= SNAPSHOT_MS) state = await saveSnapshot(ctx, params, l, state);
      return { state, progress: l.analyzer.progress * 0.9, done: false, message: `${pos.phase === 'samples' ? 'Sampling' : pos.phase === 'done' ? 'Assembling' : 'Statistics'}: ${pos.cursor} of ${state.contexts} contexts` };
    }
    if (state.phase === 'map') return mapStep(ctx, params, l, state);
    // 3. One block of latents: assembled, then written with the state that counts it.
    const from = state.cursor * LATENTS_PER_BLOCK;
    const to = Math.min(l.weights.dSae, from + LATENTS_PER_BLOCK);
    const details = await assembleLatents({ acc: l.analyzer.acc, source: l.source, wDec: l.weights.W_dec, dIn: l.weights.dIn, logits: l.logits, neighbours: l.neighbours, vocab: l.vocab }, from, to);
    const row = await jsonChunk(params.analysisId, 1 + state.cursor, details);
    state = { ...state, cursor: state.cursor + 1 };
    const next = state;
    await ctx.db.transaction('rw', ctx.db.analyses, ctx.db.analysisChunks, ctx.db.jobs, async () => {
      await alive(ctx.db, params);
      await ctx.db.analysisChunks.put(row);
      await ctx.db.jobs.update(ctx.jobId, { state: next });
    });
    if (state.cursor >= state.blocks) state = { ...state, phase: 'map', cursor: 0 };
    return { state, progress: 0.9 + (0.05 * Math.min(state.cursor, state.blocks)) / state.blocks, done: false, message: `Assembling latents: ${to} of ${l.weights.dSae}` };
  },

  async checkpoint(state, params, ctx) {
    const l = live.get(ctx.jobId);
    return l && (state.phase === 'stats' || state.phase === 'samples') ? saveSnapshot(ctx, params, l, state) : state;
  },

  async finish(state, params, ctx, stopped) {
    const { db } = ctx;
    const id = params.analysisId;
    if (stopped && (state.phase !== 'map' || state.cursor < 1)) {
      await deleteAnalysis(db, id);
      return undefined;
    }
    const saeId = analysedSae(params, state) as string;
    const l = live.get(ctx.jobId) ?? (await openLive(params, saeId, ctx, state))[0];
    // 1. The summary from every stored block, 2. written with the record's 'ready' in one transaction.
    const record = (await db.analyses.get(id)) as AnalysisRecord;
    const rows: FeatureSummaryRow[] = [];
    for (let b = 0; b < state.blocks; b++) for (const d of await readBlock(db, record, b)) rows.push(summaryRow(d, l.vocab));
    const positions = await readPositions(db, record);
    rows.forEach((r) => Object.assign(r, { x: positions[2 * r.index], y: positions[2 * r.index + 1] }));
    const summary = await jsonChunk(id, 0, { rows, vocab: l.vocab, densityHistogram: densityHistogram(rows) });
    await db.transaction('rw', db.analyses, db.analysisChunks, async () => {
      await alive(db, params);
      const older = await db.analyses.where('saeId').equals(saeId).filter((a) => a.id !== id && a.status === 'ready').primaryKeys();
      await db.analysisChunks.where('ownerId').anyOf(older).delete();
      await db.analyses.bulkDelete(older);
      await deleteSnapshot(db, id);
      await db.analysisChunks.put(summary);
      await db.analyses.update(id, { status: 'ready', finishedAt: Date.now() });
    });
    return id;
  },

  release(jobId) {
    const l = live.get(jobId);
    const db = dbs.get(jobId);
    live.delete(jobId);
    dbs.delete(jobId);
    if (l) {
      void l.session.release();
      l.encoder.release();
      l.logits.release();
      l.neighbours.release();
    }
    if (db) void discardAbandoned(db, jobId);
  },
};
