// Lantern's one IndexedDB schema (Dexie). Every table, its keys and the data-loss
// invariants live here; repositories in this folder are the only writers.
//
// INVARIANTS — DO NOT BREAK:
// 1. BINARY PAYLOADS (tokens, activations, weights) LIVE ONLY IN *_CHUNKS TABLES, ≤ 64 MB PER ROW,
//    NEVER INDEXED, EACH WITH ITS SHA-256. A RECORD IS VISIBLE (status 'ready' / complete = 1)
//    ONLY AFTER ALL ITS CHUNKS ARE WRITTEN, IN THE SAME TRANSACTION.
// 2. METRICS ARE KEYED [runId+step]: A RECOMPUTED STEP OVERWRITES, NEVER DUPLICATES.
// 3. DELETING A RECORD DELETES ITS CHUNKS AND DEPENDENTS IN ONE TRANSACTION (see repository.ts).
// 4. NEVER CHANGE A PUBLISHED version(n): ADD version(n+1) WITH ITS MIGRATION.
import Dexie, { type EntityTable } from 'dexie';
import type { VocabIdentity } from '../data/vocab';
import type { EvalScores } from '../lm/evaluate';

export const DB_NAME = 'lantern';

export type JobStatus = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
export type JobPriority = 'high' | 'normal' | 'low';

export interface ErrorInfo {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface JobRecord {
  id: string;
  kind: string;
  title: string;
  priority: JobPriority;
  /** FIFO order within a priority level; smaller runs first. */
  seq: number;
  status: JobStatus;
  /** 0..1 */
  progress: number;
  /** Estimated milliseconds left, when known. */
  etaMs?: number;
  message?: string;
  params: unknown;
  /** The kind's resumable state after the last completed step. */
  state?: unknown;
  error?: ErrorInfo;
  /** Set when a reload or crash stopped the job mid-run and it waits for Resume. */
  interrupted?: boolean;
  /** Finished early by Stop (its last state was kept). */
  stopped?: boolean;
  /** Milliseconds spent running, summed over attempts and resumes. */
  elapsedMs: number;
  attempts: number;
  /** Id of what the job produced (e.g. a self-test result, a run). */
  resultId?: string;
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  finishedAt?: number;
}

export interface SelfTestShape {
  M: number;
  N: number;
  K: number;
  maxAbsError: number;
  /** Largest |gpu − ref| − (atol + rtol·|ref|); ≤ 0 means it matched. */
  worstExcess: number;
  passed: boolean;
  gflops: number;
  ms: number;
}

export interface SelfTestRecord {
  id: string;
  jobId: string;
  createdAt: number;
  adapter: string;
  passed: boolean;
  shapes: SelfTestShape[];
}

/** A row of a *_chunks table: one ≤ 64 MB slice of an owner's binary payload. */
export interface ChunkRecord {
  ownerId: string;
  index: number;
  bytes: ArrayBuffer;
  byteLength: number;
  sha256: string;
}

/** Row-length statistics of a dataset, in characters (Unicode code points). */
export interface DatasetStats {
  characters: number;
  minLength: number;
  maxLength: number;
  meanLength: number;
  lengthHistogram: HistogramData;
  /** Text encoding of a local text file ('UTF-8', 'UTF-16LE', 'UTF-16BE'); rows are stored as UTF-8. */
  encoding?: string;
}

export interface DatasetRecord {
  id: string;
  name: string;
  source: Record<string, unknown>;
  status: 'ingesting' | 'ready' | 'failed';
  rows: number;
  /** UTF-8 bytes of the stored rows. */
  bytes: number;
  createdAt: number;
  /** The ingest job writing (or that wrote) this dataset. */
  jobId?: string;
  /** Rows held by each datasetChunks row, in index order (rows are stored as a JSON array per chunk). */
  chunkRows?: number[];
  /** Set once the dataset is ready. */
  stats?: DatasetStats;
  /** 1-based line numbers of malformed JSONL lines that were skipped. */
  skippedLines?: number[];
  /** Records left out, per reason (src/data/types.ts SkipReason): how many, and the first line or record numbers. */
  skipped?: Record<string, { count: number; lines: number[] }>;
}

/** Token statistics of a tokenization. */
export interface TokenizationStats {
  documents: number;
  /** Tokens the tokenizer produced over all rows, before packing. */
  documentTokens: number;
  packedTokens: number;
  sequences: number;
  /** Document lengths in tokens. */
  lengthHistogram: HistogramData;
  /** Most frequent tokens (special tokens excluded), with their text. */
  topTokens: { id: number; count: number; text: string }[];
}

export interface TokenizationRecord {
  id: string;
  datasetId: string;
  /** The tokenizer's id (a model id, or e.g. "builtin:demo-bpe", "tokenizer.json:<sha256>"). */
  modelId: string;
  contextSize: number;
  /** Tokens in packed windows written so far. */
  tokens: number;
  status: 'running' | 'ready' | 'failed';
  createdAt: number;
  jobId?: string;
  /** tokenizationKey(): the tokenizer and every option that changes the tokens. */
  key?: string;
  tokenizerName?: string;
  /**
   * How to rebuild the tokenizer: the built-in one, a dropped tokenizer.json, or a downloaded model's
   * own (with its tokenizer_config.json if there is one), files kept as Blobs.
   */
  tokenizer?: { type: 'builtin' } | { type: 'file'; name: string; file: Blob; config?: Blob } | { type: 'model'; modelId: string; name: string; file: Blob; config?: Blob };
  /** The tokenizer's vocabulary identity (src/data/vocab.ts): extraction refuses a model whose vocabulary differs. */
  vocab?: VocabIdentity;
  /** The PretokenizeConfig used (src/data/pretokenize.ts). */
  config?: Record<string, unknown>;
  /** Token id width of every tokenChunks row: [nSeq, contextSize] row-major. */
  dtype?: 'uint16' | 'uint32';
  sequences?: number;
  stats?: TokenizationStats;
}

export interface ModelRecord {
  id: string;
  repo: string;
  revision: string;
  variant: string;
  summary: Record<string, unknown>;
  bytes: number;
  createdAt: number;
  /** Hub host the files came from (their Cache API URLs start with it). */
  host?: string;
  /** The ONNX graph's path in the repo, e.g. onnx/model_fp16.onnx. */
  onnxPath?: string;
  /** Every downloaded file, for deleting them from the cache with the record. */
  files?: { path: string; bytes: number }[];
  /** The built-in demo model (served by the app itself). */
  demo?: boolean;
}

/** Where an activation set's tokens came from. */
export type ActivationSource = { type: 'text'; text: string } | { type: 'tokenization'; tokenizationId: string; datasetId: string };

export interface ActivationSetRecord {
  id: string;
  modelId: string;
  hook: string;
  layer: number;
  dModel: number;
  tokens: number;
  contextSize: number;
  dtype: 'f32' | 'f16';
  status: 'running' | 'ready' | 'failed';
  createdAt: number;
  /** The extraction job writing (or that wrote) it. */
  jobId?: string;
  /** Hub repo id and revision of the model. */
  model?: string;
  revision?: string;
  /** The model's own residual type (activations are stored as f32 either way). */
  modelDtype?: 'float32' | 'float16';
  source?: ActivationSource;
  /** Contexts run through the model so far. */
  sequences?: number;
  /** activationChunks rows, one per extraction step (src/storage/activations.ts). */
  chunks?: number;
  /** Inference backend the extraction ran on. */
  backend?: string;
}

export interface RunRecord {
  id: string;
  name: string;
  config: Record<string, unknown>;
  status: JobStatus;
  jobId?: string;
  step: number;
  createdAt: number;
  finalMetrics?: Record<string, number>;
  /** Set on import when the run file's snapshots were truncated: which were left out (runTransfer.ts). */
  importNote?: string;
  /** Display text of each probe's tokens, written when training first computes the probes (src/replay/probes.ts). */
  probeTokens?: string[][];
}

export interface HistogramData {
  edges: number[];
  counts: number[];
  /** Latents that never fired (density histogram only). */
  zero?: number;
}

export interface MetricRecord {
  runId: string;
  step: number;
  values: Record<string, number>;
  /** Every histogramEvery steps: log10 feature density and decoder-norm histograms. */
  histograms?: { densityLog10: HistogramData; decoderNorm: HistogramData };
}

export interface CheckpointRecord {
  id: string;
  runId: string;
  name: string;
  step: number;
  /** 1 once every chunk is written and verified; readers filter on it. */
  complete: 0 | 1;
  sha256: string;
  bytes: number;
  createdAt: number;
  /** Automatic version number (v001 = 1) of a training checkpoint; kept when the checkpoint is given a name. */
  version?: number;
  /** Its newest evaluation against its model (the 'eval' job). */
  evaluation?: CheckpointEvaluation;
}

/** CE loss clean / spliced / zero-ablated, KL and reconstruction scores (src/lm/evaluate.ts) of an SAE on its model. */
export interface CheckpointEvaluation extends EvalScores {
  modelId: string;
  model: string;
  hook: string;
  source: ActivationSource;
  contexts: number;
  createdAt: number;
}

export interface FeatureRecord {
  saeId: string;
  index: number;
  label?: string;
  stats?: Record<string, unknown>;
  /** A person's notes on the latent. */
  notes?: string;
  favourite?: 0 | 1;
}

/**
 * A feature analysis of one SAE (src/features). Its analysisChunks rows (ownerId = id): 0 the summary,
 * 1 + b the details of block b, 1 + blocks the map positions, and from SNAPSHOT_INDEX the
 * resumable snapshot while it runs.
 * 'ready' only once every chunk is written; a finished re-run replaces the SAE's older analysis.
 */
export interface AnalysisRecord {
  id: string;
  /** The analysed checkpoint's id. */
  saeId: string;
  status: 'running' | 'ready';
  jobId: string;
  modelId: string;
  model: string;
  hook: string;
  source: ActivationSource;
  contexts: number;
  contextSize: number;
  tokens: number;
  windowRadius: number;
  dIn: number;
  dSae: number;
  vocab: number;
  /** Latents per detail chunk. */
  latentsPerBlock: number;
  blocks: number;
  /** The initializer W_U came from, and where the encoder ran. */
  unembedding: string;
  encoder: 'webgpu' | 'cpu';
  createdAt: number;
  finishedAt?: number;
}

export interface TemplateRecord {
  id: string;
  kind: 'training' | 'extraction' | 'steering';
  name: string;
  favourite: 0 | 1;
  body: Record<string, unknown>;
  updatedAt: number;
}

export interface SettingRecord {
  key: string;
  value: unknown;
}

/** Table names as one const map (tldraw style): used by the Storage page and export/import. */
export const TABLES = {
  datasets: 'datasets',
  datasetChunks: 'datasetChunks',
  tokenizations: 'tokenizations',
  tokenChunks: 'tokenChunks',
  models: 'models',
  activationSets: 'activationSets',
  activationChunks: 'activationChunks',
  runs: 'runs',
  metrics: 'metrics',
  checkpoints: 'checkpoints',
  checkpointChunks: 'checkpointChunks',
  features: 'features',
  analyses: 'analyses',
  analysisChunks: 'analysisChunks',
  latentChunks: 'latentChunks',
  probeChunks: 'probeChunks',
  templates: 'templates',
  jobs: 'jobs',
  selfTests: 'selfTests',
  settings: 'settings',
} as const;
export type TableName = keyof typeof TABLES;

// byteLength is indexed so sizes are summed from index keys, without loading payloads.
const CHUNKS = '[ownerId+index], ownerId, byteLength';

/** The stores each schema version adds, version 1 first; no version has needed a data migration. */
export const SCHEMA_VERSIONS: Record<string, string>[] = [
  {
    datasets: 'id, name, status, createdAt',
    datasetChunks: CHUNKS,
    tokenizations: 'id, datasetId, modelId',
    tokenChunks: CHUNKS,
    models: 'id, repo, createdAt',
    activationSets: 'id, modelId, status, createdAt',
    activationChunks: CHUNKS,
    runs: 'id, status, createdAt',
    metrics: '[runId+step], runId',
    checkpoints: 'id, runId, complete, createdAt',
    checkpointChunks: CHUNKS,
    features: '[saeId+index], saeId',
    templates: 'id, kind, name, favourite, updatedAt',
    jobs: 'id, status, kind, createdAt',
    selfTests: 'id, createdAt',
    settings: 'key',
  },
  // 2: feature analyses (summary and detail chunks per SAE).
  { analyses: 'id, saeId, status, createdAt', analysisChunks: CHUNKS },
  // 3: each latent's firing count at every histogram snapshot of a run.
  { latentChunks: CHUNKS },
  // 4: each probe text's reconstruction error and top latents at every histogram snapshot.
  { probeChunks: CHUNKS },
];

export class LanternDb extends Dexie {
  datasets!: EntityTable<DatasetRecord, 'id'>;
  datasetChunks!: Dexie.Table<ChunkRecord, [string, number]>;
  tokenizations!: EntityTable<TokenizationRecord, 'id'>;
  tokenChunks!: Dexie.Table<ChunkRecord, [string, number]>;
  models!: EntityTable<ModelRecord, 'id'>;
  activationSets!: EntityTable<ActivationSetRecord, 'id'>;
  activationChunks!: Dexie.Table<ChunkRecord, [string, number]>;
  runs!: EntityTable<RunRecord, 'id'>;
  metrics!: Dexie.Table<MetricRecord, [string, number]>;
  checkpoints!: EntityTable<CheckpointRecord, 'id'>;
  checkpointChunks!: Dexie.Table<ChunkRecord, [string, number]>;
  features!: Dexie.Table<FeatureRecord, [string, number]>;
  analyses!: EntityTable<AnalysisRecord, 'id'>;
  analysisChunks!: Dexie.Table<ChunkRecord, [string, number]>;
  /** Latent timeline: ownerId = runId, index = the snapshot's step (src/replay/latents.ts). */
  latentChunks!: Dexie.Table<ChunkRecord, [string, number]>;
  /** Probe-text results: ownerId = runId, index = the snapshot's step (src/replay/probes.ts). */
  probeChunks!: Dexie.Table<ChunkRecord, [string, number]>;
  templates!: EntityTable<TemplateRecord, 'id'>;
  jobs!: EntityTable<JobRecord, 'id'>;
  selfTests!: EntityTable<SelfTestRecord, 'id'>;
  settings!: EntityTable<SettingRecord, 'key'>;

  constructor(name = DB_NAME) {
    super(name);
    SCHEMA_VERSIONS.forEach((stores, i) => this.version(i + 1).stores(stores));
  }
}

let shared: LanternDb | undefined;

/** The app's database (one instance per thread). */
export function getDb(): LanternDb {
  shared ??= new LanternDb();
  return shared;
}

/** Random id with a readable prefix, e.g. `job_3f9a…`. */
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `${prefix}_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
