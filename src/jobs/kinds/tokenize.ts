// Tokenization of a stored dataset as a job: rows → tokenizer → SAELens packing → tokenChunks,
// one tokenization per (dataset, tokenizer + options), beside any others of the same dataset.
// EVERY STEP WRITES ITS TOKEN CHUNKS AND THE PRETOKENIZER STATE (ROWS CONSUMED, THE HALF-FILLED
// WINDOW) IN ONE TRANSACTION: A RELOAD RESUMES THERE WITH NO DUPLICATED OR MISSING WINDOW.
// A FAILED OR CANCELLED TOKENIZATION IS DELETED WITH ITS CHUNKS.

import type { RowReader } from '../../data/browse';
import { BUILTIN_TOKENIZER_ID, BUILTIN_TOKENIZER_NAME, builtinTokenizer } from '../../data/builtinTokenizer';
import { DataError } from '../../data/errors';
import { Pretokenizer, tokenizationKey, type PretokenizeConfig, type PretokenizeState, type TokenChunk } from '../../data/pretokenize';
import { TokenStatsAccumulator } from '../../data/stats';
import { loadTokenizer, type TextTokenizer } from '../../data/tokenizer';
import { vocabularyOf } from '../../data/vocab';
import { makeChunks, sha256Hex } from '../../storage/chunks';
import type { ChunkRecord, LanternDb, TokenizationRecord } from '../../storage/db';
import { deleteRecord } from '../../storage/repository';
import { JobError, type JobKind } from '../types';
import { addLengths, datasetRowReader, lengthHistogram, type LengthCounts } from './ingestRows';

export type TokenizerSpec = NonNullable<TokenizationRecord['tokenizer']>;

export interface TokenizeParams {
  datasetId: string;
  tokenizationId: string;
  tokenizer: TokenizerSpec;
  config: PretokenizeConfig;
}

export interface TokenizeState {
  pre: PretokenizeState;
  lengths: LengthCounts;
  /** Token chunks written so far. */
  chunks: number;
  tokens: number;
}

const SLICE_MS = 300;
/** Rows read from storage per pull within a step. */
const ROWS_PER_READ = 256;

async function readJson(blob: Blob, what: string): Promise<unknown> {
  try {
    return JSON.parse(await blob.text());
  } catch (e) {
    throw new DataError('invalid-tokenizer', `${what} is not valid JSON (${e instanceof Error ? e.message : String(e)}).`, { file: what });
  }
}

/** Builds the tokenizer a spec names (a tokenizer.json, dropped or a model's own, with its optional tokenizer_config.json). */
export async function openTokenizer(spec: TokenizerSpec): Promise<TextTokenizer> {
  if (spec.type === 'builtin') return builtinTokenizer();
  const json = await readJson(spec.file, `"${spec.name}"`);
  return loadTokenizer(json, spec.config ? await readJson(spec.config, 'The tokenizer_config.json') : {});
}

/** The tokenizer's identity: the built-in id, or the SHA-256 of the tokenizer.json (and config) bytes, wherever they came from. */
export async function tokenizerIdentity(spec: TokenizerSpec): Promise<{ id: string; name: string }> {
  if (spec.type === 'builtin') return { id: BUILTIN_TOKENIZER_ID, name: BUILTIN_TOKENIZER_NAME };
  // The config names the special tokens, so it is part of the identity.
  const parts = [await spec.file.arrayBuffer(), ...(spec.config ? [await spec.config.arrayBuffer()] : [])];
  return { id: `tokenizer.json:${await sha256Hex(await new Blob(parts).arrayBuffer())}`, name: spec.name };
}

/** Id of the tokenization of `datasetId` with this tokenizer and options: the same inputs always give the same id. */
export async function tokenizationIdFor(datasetId: string, tokenizerId: string, cfg: PretokenizeConfig): Promise<string> {
  const hash = await sha256Hex(new TextEncoder().encode(`${datasetId}\n${tokenizationKey(tokenizerId, cfg)}`));
  return `tok_${hash.slice(0, 24)}`;
}

interface Live {
  tokenizer: TextTokenizer;
  pre: Pretokenizer;
  db: LanternDb;
  /** Kept across steps so its decoded chunks are reused (a ready dataset never changes). */
  reader?: RowReader;
}
const live = new Map<string, Live>();

function paramError(field: string, message: string): JobError {
  return new JobError('invalid-params', message, { field });
}

function validateParams(raw: unknown): TokenizeParams {
  const p = raw as Partial<TokenizeParams> | undefined;
  if (!p || typeof p !== 'object') throw paramError('params', 'Tokenization parameters are missing.');
  if (typeof p.datasetId !== 'string' || !p.datasetId) throw paramError('datasetId', 'Choose a dataset.');
  if (typeof p.tokenizationId !== 'string' || !p.tokenizationId) throw paramError('tokenizationId', 'tokenizationId is required.');
  const t = p.tokenizer;
  const files = (x: Partial<Extract<TokenizerSpec, { file: Blob }>>) => x.file instanceof Blob && (x.config === undefined || x.config instanceof Blob);
  if (!t || (t.type !== 'builtin' && !(t.type === 'file' && files(t)) && !(t.type === 'model' && typeof t.modelId === 'string' && files(t)))) {
    throw paramError('tokenizer', 'Choose a tokenizer.');
  }
  const cfg = p.config;
  if (!cfg || !Number.isInteger(cfg.contextSize) || cfg.contextSize < 2 || cfg.contextSize > 1 << 16) {
    throw paramError('contextSize', 'Context size must be a whole number from 2 to 65536.');
  }
  return { datasetId: p.datasetId, tokenizationId: p.tokenizationId, tokenizer: t, config: cfg };
}

/** Deletes the tokenization of a failed or cancelled job with its chunks, in one transaction. */
export async function discardAbandonedTokenization(db: LanternDb, jobId: string): Promise<void> {
  const job = await db.jobs.get(jobId);
  if (!job || (job.status !== 'failed' && job.status !== 'cancelled')) return;
  const id = (job.params as Partial<TokenizeParams>).tokenizationId;
  const record = id ? await db.tokenizations.get(id) : undefined;
  if (record && record.status !== 'ready' && record.jobId === jobId) await deleteRecord(db, 'tokenizations', record.id);
}

async function ensureLive(params: TokenizeParams, state: TokenizeState, db: LanternDb, jobId: string): Promise<Live> {
  const existing = live.get(jobId);
  if (existing) return existing;
  const tokenizer = await openTokenizer(params.tokenizer);
  const l = { tokenizer, pre: new Pretokenizer(tokenizer, params.config, state.pre), db };
  live.set(jobId, l);
  return l;
}

export const tokenizeJob: JobKind<TokenizeParams, TokenizeState> = {
  kind: 'tokenize',
  autoResume: true,
  async title(p, db) {
    const dataset = (await db.datasets.get(p.datasetId))?.name ?? 'a dataset';
    const { name } = await tokenizerIdentity(p.tokenizer);
    return `Tokenize ${dataset} · ${name} (context ${p.config.contextSize})`;
  },
  validate: validateParams,

  async start(params, ctx) {
    const { db } = ctx;
    const dataset = await db.datasets.get(params.datasetId);
    if (!dataset || dataset.status !== 'ready') {
      throw new JobError('dataset-not-ready', 'The dataset is not ready (still importing, or deleted).', { datasetId: params.datasetId });
    }
    const tokenizer = await openTokenizer(params.tokenizer);
    // Resolves the special-token options now, so a bad choice fails before anything is stored.
    const pre = new Pretokenizer(tokenizer, params.config);
    const { id: modelId, name } = await tokenizerIdentity(params.tokenizer);
    const record: TokenizationRecord = {
      id: params.tokenizationId,
      datasetId: params.datasetId,
      modelId,
      contextSize: params.config.contextSize,
      tokens: 0,
      status: 'running',
      createdAt: Date.now(),
      jobId: ctx.jobId,
      key: tokenizationKey(modelId, params.config),
      tokenizerName: name,
      tokenizer: params.tokenizer,
      config: { ...params.config },
      vocab: await vocabularyOf(tokenizer, name),
      dtype: tokenizer.vocabSize <= 65536 ? 'uint16' : 'uint32',
      sequences: 0,
    };
    await db.transaction('rw', db.tokenizations, db.tokenChunks, async () => {
      await db.tokenChunks.where('ownerId').equals(params.tokenizationId).delete();
      await db.tokenizations.put(record);
    });
    live.set(ctx.jobId, { tokenizer, pre, db });
    return { pre: pre.state(), lengths: {}, chunks: 0, tokens: 0 };
  },

  async step(prev, params, ctx) {
    const { db } = ctx;
    const l = await ensureLive(params, prev, db, ctx.jobId);
    const dataset = await db.datasets.get(params.datasetId);
    if (!dataset) throw new JobError('dataset-gone', 'The dataset was deleted while it was being tokenized.', { datasetId: params.datasetId });
    l.reader ??= datasetRowReader(db, dataset);
    const { reader } = l;
    // 1. Tokenize and pack rows until the time budget or the end of the dataset.
    const t0 = performance.now();
    let rowsConsumed = prev.pre.rowsConsumed;
    const lengths = { ...prev.lengths };
    const chunks: TokenChunk[] = [];
    while (rowsConsumed < dataset.rows && performance.now() - t0 < SLICE_MS) {
      const rows = await reader.read(rowsConsumed, Math.min(dataset.rows, rowsConsumed + ROWS_PER_READ));
      const step = l.pre.push(rows);
      addLengths(lengths, step.docLengths);
      chunks.push(...step.chunks);
      rowsConsumed = step.state.rowsConsumed;
    }
    const done = rowsConsumed >= dataset.rows;
    const last = done ? l.pre.finish() : undefined;
    if (last) chunks.push(last);
    const pre = l.pre.state();
    // 2. Chunk rows, hashed before the transaction.
    const rows: ChunkRecord[] = [];
    for (const c of chunks) {
      const [row] = await makeChunks(params.tokenizationId, c.tokens);
      rows.push({ ...row, index: c.index });
    }
    const tokens = prev.tokens + chunks.reduce((a, c) => a + c.tokens.length, 0);
    const state: TokenizeState = { pre, lengths, chunks: prev.chunks + rows.length, tokens };
    // 3. Chunks + record counts + job state: one transaction.
    await db.transaction('rw', db.tokenizations, db.tokenChunks, db.jobs, async () => {
      const record = await db.tokenizations.get(params.tokenizationId);
      if (!record || record.status !== 'running') {
        throw new JobError('tokenization-gone', 'The tokenization was deleted while it was running.', { id: params.tokenizationId });
      }
      await db.tokenChunks.bulkPut(rows);
      await db.tokenizations.update(params.tokenizationId, { tokens, sequences: pre.sequences });
      await db.jobs.update(ctx.jobId, { state });
    });
    return {
      state,
      progress: dataset.rows ? rowsConsumed / dataset.rows : 1,
      done,
      message: `${rowsConsumed.toLocaleString('en-US')} of ${dataset.rows.toLocaleString('en-US')} rows · ${pre.sequences.toLocaleString('en-US')} sequences`,
    };
  },

  async finish(state, params, ctx) {
    const { db } = ctx;
    const l = await ensureLive(params, state, db, ctx.jobId);
    const record = await db.tokenizations.get(params.tokenizationId);
    if (!record) return undefined;
    // Token frequencies from the stored chunks (exact after any number of resumes).
    const acc = new TokenStatsAccumulator(l.tokenizer.vocabSize);
    const C = params.config.contextSize;
    await db.tokenChunks
      .where('ownerId')
      .equals(params.tokenizationId)
      .each((c) => acc.pushWindows(record.dtype === 'uint32' ? new Uint32Array(c.bytes) : new Uint16Array(c.bytes), C));
    const result = acc.result({ topK: 30, excludeIds: l.tokenizer.allSpecialIds });
    const documents = Object.values(state.lengths).reduce((a, b) => a + b, 0);
    await db.tokenizations.update(params.tokenizationId, {
      status: 'ready',
      tokens: result.packedTokens,
      sequences: result.sequences,
      stats: {
        documents,
        documentTokens: state.pre.documentTokens,
        packedTokens: result.packedTokens,
        sequences: result.sequences,
        lengthHistogram: lengthHistogram(state.lengths),
        topTokens: result.topTokens.map((t) => ({ ...t, text: l.tokenizer.decode([t.id]) })),
      },
    });
    return params.tokenizationId;
  },

  release(jobId) {
    const entry = live.get(jobId);
    live.delete(jobId);
    if (entry) void discardAbandonedTokenization(entry.db, jobId);
  },
};
