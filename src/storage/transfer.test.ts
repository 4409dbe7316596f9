// Storage import that cannot lose data: ten kinds of corrupt export and a write failure injected
// mid-import each leave every table bit-identical (digest of all tables); replace and merge work.
import 'fake-indexeddb/auto';
import type { DBCore, Middleware } from 'dexie';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRowChunk } from '../jobs/kinds/ingestRows';
import { makeActivationChunkRow } from './activations';
import { makeChunks, readChunks, sha256Hex } from './chunks';
import { LanternDb, TABLES } from './db';
import { ImportError, StorageQuotaError } from './errors';
import { exportAll, importAll, type ImportMode } from './transfer';

let db: LanternDb;
let n = 0;

beforeEach(async () => {
  db = new LanternDb(`transfer-test-${n++}`);
  await db.open();
});
afterEach(async () => {
  db.close();
  await db.delete();
});

// ---- a digest of every table ----

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** JSON-safe form of a stored value that keeps what JSON loses (bytes, Blobs, NaN, undefined, key order). */
async function canonical(v: unknown): Promise<unknown> {
  if (v === undefined) return { $undefined: true };
  if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof ArrayBuffer) return { $bytes: hex(new Uint8Array(v)) };
  if (ArrayBuffer.isView(v)) return { $view: v.constructor.name, $bytes: hex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
  if (v instanceof Blob) return { $blob: v.type, $bytes: hex(new Uint8Array(await v.arrayBuffer())) };
  if (Array.isArray(v)) return Promise.all(v.map(canonical));
  const out: [string, unknown][] = [];
  for (const key of Object.keys(v).sort()) out.push([key, await canonical((v as Record<string, unknown>)[key])]);
  return out;
}

/** SHA-256 over every row of every table, in primary-key order. */
async function digest(target: LanternDb): Promise<string> {
  const parts: unknown[] = [];
  for (const name of Object.keys(TABLES).sort()) parts.push([name, await canonical(await target.table(name).toArray())]);
  return sha256Hex(new TextEncoder().encode(JSON.stringify(parts)));
}

// ---- realistic content in every table ----

const CKPT = 'ckpt_0123456789abcdef';

async function seed(target: LanternDb): Promise<void> {
  const datasetChunks = [await encodeRowChunk('ds1', 0, ['hello', 'world']), await encodeRowChunk('ds1', 1, ['again'])];
  const tokenChunks = await makeChunks('tok1', new Uint16Array([1, 2, 3, 4, 5, 6, 7, 8]), 6);
  const activationChunks = [
    await makeActivationChunkRow('act1', 0, { activations: new Float32Array([0.5, -1, 2, 3, 4, 5]), tokenIds: new Int32Array([7, 8]), positions: new Int32Array([0, 1]), sequences: new Int32Array([0, 0]) }, 3),
    await makeActivationChunkRow('act1', 1, { activations: new Float32Array([6, 7, 8, 9, 10, 11]), tokenIds: new Int32Array([9, 10]), positions: new Int32Array([2, 3]), sequences: new Int32Array([0, 0]) }, 3),
  ];
  const payload = new Float32Array(700).map((_, i) => Math.sin(i));
  const bytes = new Uint8Array(payload.buffer);
  const checkpointChunks = await makeChunks(CKPT, bytes, 1024);
  const payloadSha = await sha256Hex(bytes);
  // A running analysis: its first result chunk, and its resumable snapshot far above it (db.ts).
  const analysisChunks = [...(await makeChunks('ana1', new Uint8Array([1, 2, 3]))), { ...(await makeChunks('ana1', new Uint8Array([9, 9])))[0], index: 1_000_000 }];
  await target.transaction('rw', target.tables, async () => {
    await target.datasets.add({
      id: 'ds1',
      name: 'demo corpus',
      source: { type: 'file', name: 'demo.txt' },
      status: 'ready',
      rows: 3,
      bytes: 15,
      createdAt: 1,
      jobId: 'job_ingest',
      chunkRows: [2, 1],
      stats: { characters: 15, minLength: 5, maxLength: 5, meanLength: 5, lengthHistogram: { edges: [5, 6], counts: [3] } },
    });
    await target.datasetChunks.bulkAdd(datasetChunks);
    await target.tokenizations.add({
      id: 'tok1',
      datasetId: 'ds1',
      modelId: 'tokenizer.json:abc',
      contextSize: 4,
      tokens: 8,
      status: 'ready',
      createdAt: 2,
      tokenizerName: 'tokenizer.json',
      tokenizer: { type: 'file', name: 'tokenizer.json', file: new Blob(['{"model":{"type":"BPE"}}'], { type: 'application/json' }) },
      config: { contextSize: 4, prependBos: false },
      dtype: 'uint16',
      sequences: 2,
    });
    await target.tokenChunks.bulkAdd(tokenChunks);
    await target.models.add({ id: 'model1', repo: 'demo/tiny-gpt2', revision: 'main', variant: 'fp32', summary: { layers: 2, dModel: 3 }, bytes: 4096, createdAt: 3, demo: true, files: [{ path: 'onnx/model.onnx', bytes: 4096 }] });
    await target.activationSets.add({
      id: 'act1',
      modelId: 'model1',
      hook: 'blocks.0.hook_resid_post',
      layer: 0,
      dModel: 3,
      tokens: 4,
      contextSize: 4,
      dtype: 'f32',
      status: 'ready',
      createdAt: 4,
      source: { type: 'tokenization', tokenizationId: 'tok1', datasetId: 'ds1' },
      sequences: 1,
      chunks: 2,
      backend: 'wasm',
    });
    await target.activationChunks.bulkAdd(activationChunks);
    await target.runs.add({ id: 'run1', name: 'topk run', config: { arch: 'topk', k: 4 }, status: 'done', step: 3, createdAt: 5, finalMetrics: { loss: 0.25 } });
    await target.metrics.bulkAdd([
      { runId: 'run1', step: 0, values: { loss: 1, l0: 4 } },
      { runId: 'run1', step: 1, values: { loss: 0.5, l0: 4 }, histograms: { densityLog10: { edges: [-3, -2, -1], counts: [1, 2], zero: 1 }, decoderNorm: { edges: [0, 1], counts: [4] } } },
      { runId: 'run1', step: 2, values: { loss: Number.NaN, l0: Number.POSITIVE_INFINITY } },
    ]);
    await target.checkpoints.add({ id: CKPT, runId: 'run1', name: 'v001', step: 2, complete: 1, sha256: payloadSha, bytes: bytes.byteLength, createdAt: 6 });
    await target.checkpointChunks.bulkAdd(checkpointChunks);
    await target.features.bulkAdd([
      { saeId: CKPT, index: 0, label: 'greetings' },
      { saeId: CKPT, index: 1, stats: { density: 0.01 } },
    ]);
    await target.analyses.add({
      id: 'ana1',
      saeId: CKPT,
      status: 'running',
      jobId: 'job_analyse',
      modelId: 'model1',
      model: 'demo/tiny-gpt2',
      hook: 'blocks.0.hook_resid_post',
      source: { type: 'tokenization', tokenizationId: 'tok1', datasetId: 'ds1' },
      contexts: 2,
      contextSize: 4,
      tokens: 8,
      windowRadius: 2,
      dIn: 3,
      dSae: 8,
      vocab: 32,
      latentsPerBlock: 4,
      blocks: 2,
      unembedding: 'transformer.wte.weight',
      encoder: 'cpu',
      createdAt: 11,
    });
    await target.analysisChunks.bulkAdd(analysisChunks);
    await target.templates.add({ id: 'tpl1', kind: 'training', name: 'small topk', favourite: 1, body: { arch: 'topk' }, updatedAt: 7 });
    await target.jobs.add({
      id: 'job1',
      kind: 'selfTest',
      title: 'GPU self-test',
      priority: 'normal',
      seq: 1,
      status: 'done',
      progress: 1,
      params: {},
      elapsedMs: 120,
      attempts: 1,
      resultId: 'st1',
      createdAt: 8,
      updatedAt: 9,
      startedAt: 8,
      finishedAt: 9,
    });
    await target.selfTests.add({ id: 'st1', jobId: 'job1', createdAt: 9, adapter: 'swiftshader', passed: true, shapes: [{ M: 3, N: 5, K: 7, maxAbsError: 0, worstExcess: -1e-6, passed: true, gflops: 0.5, ms: 2 }] });
    await target.settings.add({ key: 'activeSae', value: CKPT });
  });
}

/** Local changes made after the export, so that any write of the file's rows would show. */
async function diverge(target: LanternDb): Promise<void> {
  await target.transaction('rw', target.tables, async () => {
    await target.runs.add({ id: 'run_local', name: 'made after the export', config: {}, status: 'queued', step: 0, createdAt: 10 });
    await target.metrics.add({ runId: 'run_local', step: 0, values: { loss: 2 } });
    await target.datasets.update('ds1', { name: 'renamed here' });
    await target.templates.delete('tpl1');
    await target.settings.put({ key: 'activeSae', value: null });
  });
}

interface Exported {
  formatName: unknown;
  formatVersion: unknown;
  data: {
    databaseName: unknown;
    databaseVersion: unknown;
    tables: { name: string; schema: string; rowCount: number }[];
    data: { tableName: string; inbound: boolean; rows: unknown[] }[];
  };
}

async function exported(): Promise<Exported> {
  return JSON.parse(await (await exportAll(db)).text()) as Exported;
}
const toFile = (json: unknown) => new Blob([JSON.stringify(json)], { type: 'application/json' });
const rowsOf = (json: Exported, table: string) => json.data.data.find((d) => d.tableName === table)!.rows as Record<string, unknown>[];
const header = (json: Exported, table: string) => json.data.tables.find((t) => t.name === table)!;

/** Imports `file`, expects an ImportError matching `where`, and proves no table changed. */
async function expectRefused(file: Blob, mode: ImportMode, where: RegExp): Promise<ImportError> {
  const before = await digest(db);
  const error = await importAll(db, file, { mode }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(await digest(db)).toBe(before);
  expect(error).toBeInstanceOf(ImportError);
  expect((error as ImportError).message).toMatch(where);
  expect((error as ImportError).message).toMatch(/Nothing was changed\./);
  return error as ImportError;
}

// ---- ten ways to corrupt an export ----

const corruptions: [string, RegExp, (json: Exported, text: string) => Blob][] = [
  [
    'garbage rows',
    /Table "runs", row 1: .*not a record/,
    (json) => {
      rowsOf(json, 'runs')[0] = 'garbage' as unknown as Record<string, unknown>;
      return toFile(json);
    },
  ],
  [
    'an empty data section',
    /data section has no rows for table "datasets"/,
    (json) => {
      json.data.data = [];
      return toFile(json);
    },
  ],
  [
    'wrong types',
    /Table "metrics", row 2 \(key \["run1","1"\]\), field "step": expected an integer ≥ 0, found a string/,
    (json) => {
      rowsOf(json, 'metrics')[1].step = '1';
      return toFile(json);
    },
  ],
  [
    'a missing chunk',
    /Table "checkpointChunks": chunk 1 of "ckpt_0123456789abcdef" is missing/,
    (json) => {
      const rows = rowsOf(json, 'checkpointChunks');
      rows.splice(1, 1);
      header(json, 'checkpointChunks').rowCount = rows.length;
      return toFile(json);
    },
  ],
  [
    'a chunk whose SHA-256 does not match',
    /Table "checkpointChunks", row 2 \(key \["ckpt_0123456789abcdef",1\]\), field "bytes": SHA-256 .* does not match/,
    (json) => {
      const row = rowsOf(json, 'checkpointChunks')[1];
      const b64 = row.bytes as string;
      row.bytes = (b64[0] === 'A' ? 'B' : 'A') + b64.slice(1);
      return toFile(json);
    },
  ],
  ['a truncated file', /not valid JSON.*truncated/, (_json, text) => new Blob([text.slice(0, Math.floor(text.length * 0.7))])],
  [
    'a wrong version',
    /database version 99.*this Lantern uses version \d+/,
    (json) => {
      json.data.databaseVersion = 99;
      return toFile(json);
    },
  ],
  [
    'a huge row count in the header',
    /Table "metrics": the header says 1000000000 rows but the file holds 3/,
    (json) => {
      header(json, 'metrics').rowCount = 1e9;
      return toFile(json);
    },
  ],
  [
    'duplicate keys',
    /Table "metrics", row 4 \(key \["run1",2\]\): duplicate key, first seen at row 3/,
    (json) => {
      const rows = rowsOf(json, 'metrics');
      rows.push(structuredClone(rows[2]));
      header(json, 'metrics').rowCount = rows.length;
      return toFile(json);
    },
  ],
  [
    'a table that does not exist',
    /table "evil" that this Lantern does not have/,
    (json) => {
      json.data.tables.push({ name: 'evil', schema: 'id', rowCount: 1 });
      json.data.data.push({ tableName: 'evil', inbound: true, rows: [{ id: 'x' }] });
      return toFile(json);
    },
  ],
];

describe('a corrupt export changes nothing', () => {
  for (const mode of ['replace', 'merge'] as const) {
    for (const [name, where, corrupt] of corruptions) {
      it(`${mode}: refuses ${name}, naming where, and every table stays bit-identical`, async () => {
        await seed(db);
        const json = await exported();
        const text = JSON.stringify(json);
        await diverge(db);
        await expectRefused(corrupt(json, text), mode, where);
      });
    }
  }

  it('a refused row is located by table, row, key and field in the error details', async () => {
    await seed(db);
    const json = await exported();
    rowsOf(json, 'checkpoints')[0].complete = 2;
    const error = await expectRefused(toFile(json), 'replace', /Table "checkpoints", row 1 \(key "ckpt_0123456789abcdef"\), field "complete": expected one of 0, 1/);
    expect(error.details).toMatchObject({ table: 'checkpoints', row: 1, key: CKPT, field: 'complete' });
  });

  it('refuses chunk bytes that are not base64, a byteLength that disagrees, and an unknown encoded type', async () => {
    await seed(db);
    const base = await exported();
    const notBase64 = structuredClone(base);
    rowsOf(notBase64, 'tokenChunks')[0].bytes = 'not base64!';
    await expectRefused(toFile(notBase64), 'replace', /Table "tokenChunks", row 1 .*field "bytes": not valid base64/);
    const badLength = structuredClone(base);
    rowsOf(badLength, 'datasetChunks')[1].byteLength = 999;
    await expectRefused(toFile(badLength), 'replace', /Table "datasetChunks", row 2 .*field "byteLength": 999 but the bytes hold \d+/);
    const unknownType = structuredClone(base);
    rowsOf(unknownType, 'runs')[0].$types = { config: 'regexp' };
    await expectRefused(toFile(unknownType), 'replace', /Table "runs", row 1 .*field "config": encoded type "regexp" is not one Lantern stores/);
  });

  it('refuses a last chunk gone missing (its owner records the whole payload)', async () => {
    await seed(db);
    const json = await exported();
    const rows = rowsOf(json, 'activationChunks');
    rows.pop();
    header(json, 'activationChunks').rowCount = rows.length;
    await expectRefused(toFile(json), 'replace', /Table "activationSets", row 1 \(key "act1"\), field "chunks": 2 chunks recorded but the file holds 1/);
  });

  it('an export with no records is refused in replace mode and adds nothing in merge mode', async () => {
    const empty = await exportAll(db);
    await seed(db);
    await expectRefused(empty, 'replace', /holds no records.*would delete everything/);
    const before = await digest(db);
    const result = await importAll(db, empty, { mode: 'merge' });
    expect(result).toMatchObject({ mode: 'merge', added: 0, skipped: 0 });
    expect(await digest(db)).toBe(before);
  });
});

// ---- failures while writing ----

/** DBCore middleware: every add to `table` fails with `error` (as a full disk or a broken write would). */
function failingAdds(table: string, error: () => Error): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: `fail-adds-${table}`,
    create: (down) => ({
      ...down,
      table(name) {
        const t = down.table(name);
        if (name !== table) return t;
        return { ...t, mutate: (req) => (req.type === 'add' ? Promise.reject(error()) : t.mutate(req)) };
      },
    }),
  };
}

describe('a failure in the middle of the write changes nothing', () => {
  for (const mode of ['replace', 'merge'] as const) {
    it(`${mode}: a full disk while writing selfTests (after ten tables were written) rolls everything back`, async () => {
      await seed(db);
      const file = await exportAll(db);
      await diverge(db);
      await db.selfTests.clear();
      const before = await digest(db);
      const faulty = new LanternDb(db.name);
      faulty.use(failingAdds('selfTests', () => new DOMException('The quota has been exceeded.', 'QuotaExceededError')));
      await faulty.open();
      await expect(importAll(faulty, file, { mode })).rejects.toThrow(StorageQuotaError);
      faulty.close();
      expect(await digest(db)).toBe(before);
    });

    it(`${mode}: any other write error rolls everything back and says so`, async () => {
      await seed(db);
      const file = await exportAll(db);
      await diverge(db);
      await db.settings.clear();
      const before = await digest(db);
      const faulty = new LanternDb(db.name);
      faulty.use(failingAdds('settings', () => new Error('disk I/O error')));
      await faulty.open();
      const error = await importAll(faulty, file, { mode }).catch((e: unknown) => e);
      faulty.close();
      expect(error).toBeInstanceOf(ImportError);
      expect((error as Error).message).toMatch(/Writing table "settings" failed \(.*disk I\/O error\).*Nothing was changed\./);
      expect(await digest(db)).toBe(before);
    });
  }
});

describe('merge never mixes a record with chunks it does not own', () => {
  it('refuses to add a checkpoint whose id already owns orphan chunks here, and rolls back the rows it added', async () => {
    await seed(db);
    const file = await exportAll(db);
    await db.checkpoints.delete(CKPT);
    await db.templates.delete('tpl1');
    await expectRefused(file, 'merge', /Table "checkpointChunks": this database holds chunks of "ckpt_0123456789abcdef" without their record/).then((e) =>
      expect(e.code).toBe('import-conflict'),
    );
    expect(await db.templates.get('tpl1')).toBeUndefined();
  });
});

// ---- happy paths ----

describe('replace and merge', () => {
  it('replace makes the database exactly the export, bytes, Blobs and NaN included', async () => {
    await seed(db);
    const file = await exportAll(db);
    const original = await digest(db);
    await diverge(db);
    const result = await importAll(db, file, { mode: 'replace' });
    expect(await digest(db)).toBe(original);
    expect(result.mode).toBe('replace');
    expect(result.added).toBe(result.tables.reduce((s, t) => s + t.rows, 0));
    expect(result.removed).toBeGreaterThan(0);
    expect((await db.metrics.get(['run1', 2]))?.values.loss).toBeNaN();
    const tok = await db.tokenizations.get('tok1');
    expect(tok?.tokenizer?.type === 'file' && (await tok.tokenizer.file.text())).toBe('{"model":{"type":"BPE"}}');
    expect(new Uint16Array((await readChunks(db.tokenChunks, 'tok1')).buffer)).toEqual(new Uint16Array([1, 2, 3, 4, 5, 6, 7, 8]));
  });

  it('merge adds what is missing, keeps what exists, and counts both', async () => {
    await seed(db);
    const file = await exportAll(db);
    await diverge(db);
    // A local checkpoint chunk stays as it is: chunks travel with their owner, which exists here.
    const localChunk = await db.checkpointChunks.get([CKPT, 0]);
    await db.datasets.delete('ds1');
    await db.datasetChunks.clear();
    await db.metrics.delete(['run1', 1]);

    const result = await importAll(db, file, { mode: 'merge' });

    const table = (name: string) => result.tables.find((t) => t.name === name)!;
    expect(table('datasets')).toMatchObject({ rows: 1, added: 1, skipped: 0 });
    expect(table('datasetChunks')).toMatchObject({ rows: 2, added: 2, skipped: 0 });
    expect(table('metrics')).toMatchObject({ rows: 3, added: 1, skipped: 2 });
    expect(table('templates')).toMatchObject({ rows: 1, added: 1, skipped: 0 });
    expect(table('checkpointChunks')).toMatchObject({ rows: 3, added: 0, skipped: 3 });
    expect(table('settings')).toMatchObject({ rows: 1, added: 0, skipped: 1 });
    expect(result.added).toBe(result.tables.reduce((s, t) => s + t.added, 0));
    expect(result.added + result.skipped).toBe(result.tables.reduce((s, t) => s + t.rows, 0));
    expect(result.removed).toBe(0);

    expect((await db.datasets.get('ds1'))?.name).toBe('demo corpus');
    expect(await db.datasetChunks.count()).toBe(2);
    expect(await db.runs.get('run_local')).toBeDefined();
    expect((await db.settings.get('activeSae'))?.value).toBeNull();
    expect(await db.templates.get('tpl1')).toBeDefined();
    expect(await db.checkpointChunks.get([CKPT, 0])).toEqual(localChunk);
    expect(await db.metrics.where('runId').equals('run1').count()).toBe(3);
  });

  it('merge of the same export twice adds nothing the second time', async () => {
    await seed(db);
    const file = await exportAll(db);
    const before = await digest(db);
    const result = await importAll(db, file, { mode: 'merge' });
    expect(result.added).toBe(0);
    expect(result.skipped).toBe(result.tables.reduce((s, t) => s + t.rows, 0));
    expect(await digest(db)).toBe(before);
  });
});
