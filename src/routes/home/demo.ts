// The one-click demo: queues everything a first result needs with no network beyond the app's own
// files — the demo corpus, the built-in demo model, a tokenization with that model's own tokenizer,
// a small TopK SAE trained on live extraction from the model's middle layer, and the feature analysis
// of its final checkpoint. Every step is an ordinary job in the queue; a second click reuses whatever
// exists or is already queued.
import { DEFAULT_PRETOKENIZE_CONFIG, type PretokenizeConfig } from '../../data/pretokenize';
import type { AnalyzeParams } from '../../jobs/kinds/analyze';
import type { IngestParams } from '../../jobs/kinds/ingest';
import { tokenizationIdFor, tokenizerIdentity, type TokenizeParams } from '../../jobs/kinds/tokenize';
import type { TrainParams } from '../../jobs/kinds/train';
import { modelTokenizerSpec } from '../../jobs/kinds/vocabCheck';
import type { EnqueueRequest } from '../../jobs/types';
import type { ModelSummary } from '../../lm/config';
import { resolveConfig } from '../../sae/config';
import { DEMO_CORPUS_NAME, DEMO_CORPUS_URL, demoCorpusFile, fileImportParams } from '../../state/datasets';
import { gpu } from '../../state/gpu';
import { DEMO_MODEL_REPO, demoHost, downloadModel } from '../../state/models';
import { readyAnalysis } from '../../storage/analyses';
import { latestCheckpoint } from '../../storage/checkpoints';
import { getDb, newId, type JobRecord, type JobStatus, type LanternDb, type ModelRecord } from '../../storage/db';

export const DEMO_RUN_NAME = 'demo-topk';
/** Tokens per context: short, so the first chunks come quickly on a software adapter. */
export const DEMO_TOKENIZE: PretokenizeConfig = { ...DEFAULT_PRETOKENIZE_CONFIG, contextSize: 64 };
const DEMO_STEPS = 200;
/** Tokens the demo's feature analysis reads: about a minute on a CPU emulator. */
export const DEMO_ANALYSIS_TOKENS = 24 * DEMO_TOKENIZE.contextSize;

/** What the demo needs from its surroundings: the browser's, or a test's (fake-indexeddb, a local Hub mirror). */
export interface DemoEnv {
  db: LanternDb;
  enqueue(req: EnqueueRequest): Promise<string>;
  corpusFile(): Promise<File>;
  /** Adds the built-in demo model (its files are served by the app itself). */
  addModel(): Promise<ModelRecord>;
}

export interface DemoPlan {
  datasetId: string;
  modelId: string;
  tokenizationId: string;
  runId: string;
  /** The feature analysis of the run's final checkpoint. */
  analysisId: string;
  /** The steps this call queued or added; the others were reused. */
  created: { dataset: boolean; model: boolean; tokenization: boolean; run: boolean; analysis: boolean };
}

const PENDING: JobStatus[] = ['queued', 'running', 'paused'];

async function pendingJobs<P>(db: LanternDb, kind: string, match: (p: P) => boolean): Promise<JobRecord[]> {
  const jobs = await db.jobs.where('kind').equals(kind).toArray();
  return jobs.filter((j) => PENDING.includes(j.status) && match(j.params as P));
}

/** 1. The demo corpus: a ready one, else one being imported, else a new import. */
async function demoDataset(env: DemoEnv): Promise<{ id: string; created: boolean }> {
  const ready = (await env.db.datasets.where('name').equals(DEMO_CORPUS_NAME).toArray()).find((d) => d.status === 'ready');
  if (ready) return { id: ready.id, created: false };
  const [pending] = await pendingJobs<IngestParams>(env.db, 'ingest', (p) => p.name === DEMO_CORPUS_NAME);
  if (pending) return { id: (pending.params as IngestParams).datasetId, created: false };
  // The URL lets a reload resume the import: the job record keeps no copy of the file.
  const params = fileImportParams({ file: await env.corpusFile(), url: DEMO_CORPUS_URL, name: DEMO_CORPUS_NAME, field: 'text' });
  await env.enqueue({ kind: 'ingest', params });
  return { id: params.datasetId, created: true };
}

/** 2. The built-in demo model, added once. */
async function demoModel(env: DemoEnv): Promise<{ model: ModelRecord; created: boolean }> {
  const existing = (await env.db.models.toArray()).find((m) => m.demo);
  return existing ? { model: existing, created: false } : { model: await env.addModel(), created: true };
}

/** 3. The corpus tokenized with the model's own tokenizer: its id depends only on the dataset, tokenizer and options. */
async function demoTokenization(env: DemoEnv, datasetId: string, model: ModelRecord): Promise<{ id: string; created: boolean }> {
  const tokenizer = await modelTokenizerSpec(model);
  const id = await tokenizationIdFor(datasetId, (await tokenizerIdentity(tokenizer)).id, DEMO_TOKENIZE);
  if ((await env.db.tokenizations.get(id))?.status === 'ready') return { id, created: false };
  if ((await pendingJobs<TokenizeParams>(env.db, 'tokenize', (p) => p.tokenizationId === id)).length) return { id, created: false };
  const params: TokenizeParams = { datasetId, tokenizationId: id, tokenizer, config: DEMO_TOKENIZE };
  await env.enqueue({ kind: 'tokenize', params });
  return { id, created: true };
}

/** The demo's hook: the residual stream entering the middle block. */
export function demoHook(summary: Pick<ModelSummary, 'nLayers'>): string {
  return `blocks.${Math.floor(summary.nLayers / 2)}.hook_resid_pre`;
}

/** A small TopK SAE (4× expansion, k = 8, 200 steps of 256 tokens) on live extraction: minutes on a CPU emulator. */
export function demoTrainParams(model: ModelRecord, datasetId: string, tokenizationId: string, runId: string): TrainParams {
  const summary = model.summary as unknown as ModelSummary;
  return {
    runId,
    name: DEMO_RUN_NAME,
    config: resolveConfig({
      arch: 'topk',
      dIn: summary.dModel,
      dSae: 4 * summary.dModel,
      k: 8,
      batchSize: 256,
      totalSteps: DEMO_STEPS,
      lr: 3e-3,
      lrWarmupSteps: 20,
      lrDecay: 'cosine',
      normalizeActivations: 'expected_average_only_in',
      deadFeatureWindow: 20_000,
      metricsEvery: 1,
      histogramEvery: 50,
      seed: 0,
    }),
    source: {
      type: 'live',
      modelId: model.id,
      hook: demoHook(summary),
      tokens: { type: 'tokenization', tokenizationId, datasetId },
      contextSize: DEMO_TOKENIZE.contextSize,
      contextsPerChunk: 16,
      seed: 1,
      // The demo model is tiny: WASM runs it faster than WebGPU on any adapter.
      backend: 'wasm',
    },
    totalSteps: DEMO_STEPS,
    checkpointEvery: 100,
    // Three samples of the demo corpus, so the dashboard shows how their reconstructions evolved.
    probes: { texts: [] },
  };
}

const demoSourceOf = (source: unknown, tokenizationId: string, modelId: string) => {
  const s = source as Partial<Extract<TrainParams['source'], { type: 'live' }>> | undefined;
  return s?.type === 'live' && s.modelId === modelId && s.tokens?.type === 'tokenization' && s.tokens.tokenizationId === tokenizationId;
};

/** 4. The demo run on this tokenization: a finished one, else one queued or training, else a new one. */
async function demoRun(env: DemoEnv, model: ModelRecord, datasetId: string, tokenizationId: string): Promise<{ id: string; created: boolean }> {
  const runs = await env.db.runs.where('status').equals('done').toArray();
  const done = runs.find((r) => r.name === DEMO_RUN_NAME && demoSourceOf(r.config.source, tokenizationId, model.id));
  if (done) return { id: done.id, created: false };
  const [pending] = await pendingJobs<TrainParams>(env.db, 'train', (p) => p.name === DEMO_RUN_NAME && demoSourceOf(p.source, tokenizationId, model.id));
  if (pending) return { id: (pending.params as TrainParams).runId, created: false };
  const runId = newId('run');
  await env.enqueue({ kind: 'train', params: demoTrainParams(model, datasetId, tokenizationId, runId) });
  return { id: runId, created: true };
}

/** The analysis of the demo run's final checkpoint: the run is named, not its checkpoint, which exists only once training ends. */
export function demoAnalyzeParams(model: ModelRecord, datasetId: string, tokenizationId: string, runId: string, analysisId: string): AnalyzeParams {
  return {
    analysisId,
    runId,
    modelId: model.id,
    hook: demoHook(model.summary as unknown as ModelSummary),
    source: { type: 'tokenization', tokenizationId, datasetId },
    contextSize: DEMO_TOKENIZE.contextSize,
    maxTokens: DEMO_ANALYSIS_TOKENS,
    windowRadius: 8,
    batchContexts: 8,
    backend: 'wasm',
  };
}

/** 5. The run's feature analysis: a ready one of its final checkpoint, else one queued or running, else a new one. */
async function demoAnalysis(env: DemoEnv, model: ModelRecord, datasetId: string, tokenizationId: string, runId: string): Promise<{ id: string; created: boolean }> {
  const final = (await env.db.runs.get(runId))?.status === 'done' ? await latestCheckpoint(env.db, runId) : undefined;
  const ready = final && (await readyAnalysis(env.db, final.id));
  if (ready) return { id: ready.id, created: false };
  const [pending] = await pendingJobs<AnalyzeParams>(env.db, 'analyze', (p) => p.runId === runId || (final !== undefined && p.saeId === final.id));
  if (pending) return { id: (pending.params as AnalyzeParams).analysisId, created: false };
  const analysisId = newId('an');
  await env.enqueue({ kind: 'analyze', params: demoAnalyzeParams(model, datasetId, tokenizationId, runId, analysisId) });
  return { id: analysisId, created: true };
}

/** Queues (or finds) every step of the demo, in order; the queue runs them one after the other. */
export async function runDemo(env: DemoEnv): Promise<DemoPlan> {
  const dataset = await demoDataset(env);
  const { model, created: modelCreated } = await demoModel(env);
  const tokenization = await demoTokenization(env, dataset.id, model);
  const run = await demoRun(env, model, dataset.id, tokenization.id);
  const analysis = await demoAnalysis(env, model, dataset.id, tokenization.id, run.id);
  return {
    datasetId: dataset.id,
    modelId: model.id,
    tokenizationId: tokenization.id,
    runId: run.id,
    analysisId: analysis.id,
    created: { dataset: dataset.created, model: modelCreated, tokenization: tokenization.created, run: run.created, analysis: analysis.created },
  };
}

/** The demo in this browser: the app's database, the GPU worker's queue, files from the app's own origin. */
export function browserDemoEnv(): DemoEnv {
  return {
    db: getDb(),
    enqueue: (req) => gpu().enqueue(req),
    corpusFile: demoCorpusFile,
    addModel: () => downloadModel({ repo: DEMO_MODEL_REPO, revision: 'main', dtype: 'fp32', host: demoHost(), demo: true }, () => {}),
  };
}
