// The runtime shape of every record type in db.ts, so an imported row is checked field by field
// before it is stored. The map is typed against db.ts: a field or table added there must be added here.
import type { Table } from 'dexie';
import type {
  CheckpointRecord,
  DatasetRecord,
  DatasetStats,
  ErrorInfo,
  HistogramData,
  LanternDb,
  MetricRecord,
  ModelRecord,
  SelfTestShape,
  TableName,
  TokenizationRecord,
  TokenizationStats,
} from './db';

/** What is wrong with a value, and where (a dotted path inside the row). */
export interface Problem {
  field: string;
  message: string;
}

export interface Spec {
  readonly optional: false;
  check(value: unknown, field: string): Problem | undefined;
}
export interface OptionalSpec {
  readonly optional: true;
  check(value: unknown, field: string): Problem | undefined;
}

/** "a string "1"", "an array", "null": what a value is, for messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof ArrayBuffer) return 'binary data';
  if (v instanceof Blob) return 'a Blob';
  if (typeof v === 'string') return `a string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `a ${typeof v} ${String(v)}`;
  return `an ${typeof v}`;
}

const at = (field: string, key: string | number) => (typeof key === 'number' ? `${field}[${key}]` : field ? `${field}.${key}` : key);

function spec(expected: string, test: (v: unknown) => boolean): Spec {
  return { optional: false, check: (v, field) => (test(v) ? undefined : { field, message: `expected ${expected}, found ${describeValue(v)}` }) };
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

const str = spec('a string', (v) => typeof v === 'string');
const id = spec('a non-empty string', (v) => typeof v === 'string' && v.length > 0);
const sha256 = spec('a SHA-256 in hex', (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v));
const num = spec('a number', (v) => typeof v === 'number');
const count = spec('an integer ≥ 0', (v) => Number.isSafeInteger(v) && (v as number) >= 0);
const bool = spec('true or false', (v) => typeof v === 'boolean');
const bytes = spec('binary data', (v) => v instanceof ArrayBuffer);
const blob = spec('a Blob', (v) => v instanceof Blob);
const object = spec('an object', isPlain);
const anything: OptionalSpec = { optional: true, check: () => undefined };

function oneOf<const V extends readonly (string | number)[]>(...values: V): Spec {
  return spec(`one of ${values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : v)).join(', ')}`, (v) => values.includes(v as V[number]));
}

function opt(s: Spec): OptionalSpec {
  return { optional: true, check: (v, field) => (v === undefined ? undefined : s.check(v, field)) };
}

function arrayOf(item: Spec): Spec {
  return {
    optional: false,
    check(v, field) {
      if (!Array.isArray(v)) return { field, message: `expected an array, found ${describeValue(v)}` };
      for (let i = 0; i < v.length; i++) {
        const p = item.check(v[i], at(field, i));
        if (p) return p;
      }
      return undefined;
    },
  };
}

/** Record<string, item>. */
function mapOf(item: Spec): Spec {
  return {
    optional: false,
    check(v, field) {
      if (!isPlain(v)) return { field, message: `expected an object, found ${describeValue(v)}` };
      for (const [k, x] of Object.entries(v)) {
        const p = item.check(x, at(field, k));
        if (p) return p;
      }
      return undefined;
    },
  };
}

/** Every field of T: optional fields (those that may be undefined) need an OptionalSpec, the others a Spec. */
export type Fields<T> = { [K in keyof T]-?: undefined extends T[K] ? OptionalSpec : Spec };

/**
 * An object with the fields of T (named explicitly, so the compiler checks them against db.ts);
 * fields not listed (kept by newer code) are allowed and stored as they are.
 */
function shape<T = never>(fields: Fields<NoInfer<T>>): Spec {
  return {
    optional: false,
    check(v, field) {
      if (!isPlain(v)) return { field, message: `expected an object, found ${describeValue(v)}` };
      for (const [k, s] of Object.entries(fields) as [string, Spec | OptionalSpec][]) {
        if (!s.optional && !(k in v)) return { field: at(field, k), message: 'missing' };
        const p = s.check(v[k], at(field, k));
        if (p) return p;
      }
      return undefined;
    },
  };
}

/** A union discriminated by `tag`. */
function tagged(tag: string, variants: Record<string, Spec>): Spec {
  return {
    optional: false,
    check(v, field) {
      if (!isPlain(v)) return { field, message: `expected an object, found ${describeValue(v)}` };
      const variant = variants[v[tag] as string];
      if (!variant) return { field: at(field, tag), message: `expected one of ${Object.keys(variants).map((k) => JSON.stringify(k)).join(', ')}, found ${describeValue(v[tag])}` };
      return variant.check(v, field);
    },
  };
}

const jobStatus = oneOf('queued', 'running', 'paused', 'done', 'failed', 'cancelled');
const histogram = shape<HistogramData>({ edges: arrayOf(num), counts: arrayOf(num), zero: opt(num) });
const chunk = { ownerId: id, index: count, bytes, byteLength: count, sha256 };
const activationSource = tagged('type', {
  text: shape<{ text: string }>({ text: str }),
  tokenization: shape<{ tokenizationId: string; datasetId: string }>({ tokenizationId: str, datasetId: str }),
});

type RecordOf<T extends TableName> = LanternDb[T] extends Table<infer R, infer _K, infer _I> ? R : never;

/** Table → the shape of its records (db.ts's interfaces, field by field). */
export const RECORD_SHAPES: { [T in TableName]: Fields<RecordOf<T>> } = {
  datasets: {
    id,
    name: str,
    source: object,
    status: oneOf('ingesting', 'ready', 'failed'),
    rows: count,
    bytes: count,
    createdAt: num,
    jobId: opt(str),
    chunkRows: opt(arrayOf(count)),
    stats: opt(shape<DatasetStats>({ characters: count, minLength: count, maxLength: count, meanLength: num, lengthHistogram: histogram, encoding: opt(str) })),
    skippedLines: opt(arrayOf(count)),
    skipped: opt(mapOf(shape<NonNullable<DatasetRecord['skipped']>[string]>({ count, lines: arrayOf(count) }))),
  },
  datasetChunks: chunk,
  tokenizations: {
    id,
    datasetId: str,
    modelId: str,
    contextSize: count,
    tokens: count,
    status: oneOf('running', 'ready', 'failed'),
    createdAt: num,
    jobId: opt(str),
    key: opt(str),
    tokenizerName: opt(str),
    tokenizer: opt(
      tagged('type', {
        builtin: object,
        file: shape<{ name: string; file: Blob; config?: Blob }>({ name: str, file: blob, config: opt(blob) }),
        model: shape<{ modelId: string; name: string; file: Blob; config?: Blob }>({ modelId: str, name: str, file: blob, config: opt(blob) }),
      }),
    ),
    vocab: opt(shape<NonNullable<TokenizationRecord['vocab']>>({ source: str, size: count, hash: str })),
    config: opt(object),
    dtype: opt(oneOf('uint16', 'uint32')),
    sequences: opt(count),
    stats: opt(
      shape<TokenizationStats>({
        documents: count,
        documentTokens: count,
        packedTokens: count,
        sequences: count,
        lengthHistogram: histogram,
        topTokens: arrayOf(shape<TokenizationStats['topTokens'][number]>({ id: count, count: num, text: str })),
      }),
    ),
  },
  tokenChunks: chunk,
  models: {
    id,
    repo: str,
    revision: str,
    variant: str,
    summary: object,
    bytes: num,
    createdAt: num,
    host: opt(str),
    onnxPath: opt(str),
    files: opt(arrayOf(shape<NonNullable<ModelRecord['files']>[number]>({ path: str, bytes: num }))),
    demo: opt(bool),
  },
  activationSets: {
    id,
    modelId: str,
    hook: str,
    layer: count,
    dModel: count,
    tokens: count,
    contextSize: count,
    dtype: oneOf('f32', 'f16'),
    status: oneOf('running', 'ready', 'failed'),
    createdAt: num,
    jobId: opt(str),
    model: opt(str),
    revision: opt(str),
    modelDtype: opt(oneOf('float32', 'float16')),
    source: opt(activationSource),
    sequences: opt(count),
    chunks: opt(count),
    backend: opt(str),
  },
  activationChunks: chunk,
  runs: {
    id,
    name: str,
    config: object,
    status: jobStatus,
    jobId: opt(str),
    step: count,
    createdAt: num,
    finalMetrics: opt(mapOf(num)),
    importNote: opt(str),
    probeTokens: opt(arrayOf(arrayOf(str))),
  },
  metrics: {
    runId: id,
    step: count,
    values: mapOf(num),
    histograms: opt(shape<NonNullable<MetricRecord['histograms']>>({ densityLog10: histogram, decoderNorm: histogram })),
  },
  checkpoints: {
    id,
    runId: str,
    name: str,
    step: count,
    complete: oneOf(0, 1),
    sha256: str,
    bytes: count,
    createdAt: num,
    version: opt(count),
    evaluation: opt(
      shape<NonNullable<CheckpointRecord['evaluation']>>({
        modelId: id,
        model: str,
        hook: str,
        source: activationSource,
        contexts: count,
        tokens: count,
        ceClean: num,
        ceSae: num,
        ceZero: num,
        ceLossScore: num,
        klSae: num,
        klZero: num,
        klDivScore: num,
        explainedVariance: num,
        mse: num,
        l0: num,
        deadLatents: count,
        createdAt: num,
      }),
    ),
  },
  checkpointChunks: chunk,
  features: { saeId: id, index: count, label: opt(str), stats: opt(object), notes: opt(str), favourite: opt(oneOf(0, 1)) },
  analyses: {
    id,
    saeId: str,
    status: oneOf('running', 'ready'),
    jobId: str,
    modelId: str,
    model: str,
    hook: str,
    source: activationSource,
    contexts: count,
    contextSize: count,
    tokens: count,
    windowRadius: count,
    dIn: count,
    dSae: count,
    vocab: count,
    latentsPerBlock: count,
    blocks: count,
    unembedding: str,
    encoder: oneOf('webgpu', 'cpu'),
    createdAt: num,
    finishedAt: opt(num),
  },
  analysisChunks: chunk,
  latentChunks: chunk,
  probeChunks: chunk,
  templates: {
    id,
    kind: oneOf('training', 'extraction', 'steering'),
    name: str,
    favourite: oneOf(0, 1),
    body: object,
    updatedAt: num,
  },
  jobs: {
    id,
    kind: str,
    title: str,
    priority: oneOf('high', 'normal', 'low'),
    seq: num,
    status: jobStatus,
    progress: num,
    etaMs: opt(num),
    message: opt(str),
    params: anything,
    state: anything,
    error: opt(shape<ErrorInfo>({ code: str, message: str, details: opt(object) })),
    interrupted: opt(bool),
    stopped: opt(bool),
    elapsedMs: num,
    attempts: count,
    resultId: opt(str),
    createdAt: num,
    updatedAt: num,
    startedAt: opt(num),
    finishedAt: opt(num),
  },
  selfTests: {
    id,
    jobId: str,
    createdAt: num,
    adapter: str,
    passed: bool,
    shapes: arrayOf(
      shape<SelfTestShape>({ M: count, N: count, K: count, maxAbsError: num, worstExcess: num, passed: bool, gflops: num, ms: num }),
    ),
  },
  settings: { key: id, value: anything },
};

/** Checks one record of `table`; the first problem found, or undefined. */
export function checkRecord(table: TableName, row: unknown): Problem | undefined {
  return shape<Record<string, unknown>>(RECORD_SHAPES[table] as unknown as Fields<Record<string, unknown>>).check(row, '');
}

/**
 * Chunk tables: the table of the records that own their rows (ChunkRecord.ownerId), and whether an
 * owner's rows are always indexes 0..n-1 (analysisChunks keeps a running analysis's snapshot from
 * index 1 000 000 up, apart from its results; see analyses.ts; latentChunks and probeChunks are indexed by step).
 */
export const CHUNK_OWNERS = {
  datasetChunks: { owner: 'datasets', contiguous: true },
  tokenChunks: { owner: 'tokenizations', contiguous: true },
  activationChunks: { owner: 'activationSets', contiguous: true },
  checkpointChunks: { owner: 'checkpoints', contiguous: true },
  analysisChunks: { owner: 'analyses', contiguous: false },
  latentChunks: { owner: 'runs', contiguous: false },
  probeChunks: { owner: 'runs', contiguous: false },
} as const satisfies Partial<Record<TableName, { owner: TableName; contiguous: boolean }>>;
export type ChunkTableName = keyof typeof CHUNK_OWNERS;
