// Ingest and tokenize jobs through the real queue on fake-indexeddb: rows stored in chunks with
// statistics, bad input rejected with nothing stored, pause/resume without duplicates.
import 'fake-indexeddb/auto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { builtinTokenizer } from '../../data/builtinTokenizer';
import { DEFAULT_PRETOKENIZE_CONFIG, Pretokenizer } from '../../data/pretokenize';
import { normalizeText } from '../../data/normalize';
import { LanternDb, type JobRecord } from '../../storage/db';
import { DEMO_DATASET, startDatasetsMirror } from '../../../scripts/datasets-mirror';
import { generateDemoCorpus } from '../../data/demoCorpus';
import { JobQueue } from '../queue';
import type { JobKind } from '../types';
import { ingestJob, type FileSource, type IngestParams } from './ingest';
import { datasetRowReader } from './ingestRows';
import { tokenizationIdFor, tokenizeJob } from './tokenize';
import { cpuQueue, settled as settledIn, withControlPoint } from '../testing';

let db: LanternDb;
let queue: JobQueue;
let n = 0;
const ingestKind = withControlPoint(ingestJob, () => queue);
const tokenizeKind = withControlPoint(tokenizeJob, () => queue);

beforeEach(async () => {
  db = new LanternDb(`lantern-ingest-test-${n++}`);
  await db.open();
  queue = cpuQueue(db, [ingestKind.kind, tokenizeKind.kind] as unknown as JobKind[]);
  queue.start();
});
afterEach(async () => {
  await queue.close();
  await db.delete();
});

const settled = (id: string, statuses?: JobRecord['status'][]) => settledIn(db, id, statuses);

function fileSource(content: BlobPart, fileName: string, extra: Partial<FileSource> = {}): FileSource {
  const format = fileName.split('.').pop() as FileSource['format'];
  return { type: 'file', file: new Blob([content]), fileName, format, ...extra };
}

async function ingest(source: FileSource, datasetId = 'ds_1'): Promise<JobRecord> {
  const params: IngestParams = { datasetId, name: source.fileName, source };
  return settled(await queue.enqueue({ kind: 'ingest', params }));
}

/** The partial dataset of a failed job is discarded just after the job is marked failed. */
async function nothingStored() {
  await expect.poll(() => db.datasets.count(), { timeout: 10_000 }).toBe(0);
  expect(await db.datasetChunks.count()).toBe(0);
}

const JSONL_ROWS = ['first row', 'zweite Zeile: äöü', '<img src=x onerror=alert(1)>', 'emoji 🎉 row'];

describe('ingest job', () => {
  it('stores a JSONL file as chunk rows with statistics', async () => {
    const text = JSONL_ROWS.map((t, i) => JSON.stringify({ id: i, text: t })).join('\n');
    const job = await ingest(fileSource(text, 'rows.jsonl'));
    expect(job.status).toBe('done');
    const ds = (await db.datasets.get('ds_1'))!;
    expect(ds.status).toBe('ready');
    expect(ds.rows).toBe(4);
    expect(ds.bytes).toBe(JSONL_ROWS.reduce((a, r) => a + new TextEncoder().encode(r).length, 0));
    expect(ds.stats!.characters).toBe(JSONL_ROWS.reduce((a, r) => a + [...r].length, 0));
    expect(ds.stats!.maxLength).toBe(Math.max(...JSONL_ROWS.map((r) => [...r].length)));
    expect(ds.stats!.lengthHistogram.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(await datasetRowReader(db, ds).read(0, 10)).toEqual(JSONL_ROWS);
    expect(await datasetRowReader(db, ds).read(1, 3)).toEqual(JSONL_ROWS.slice(1, 3));
  });

  it('a UTF-16LE file with its BOM is imported, and its encoding is in the stats', async () => {
    const text = JSONL_ROWS.map((t) => JSON.stringify({ text: t })).join('\r\n');
    const bytes = new Uint8Array(2 + 2 * text.length);
    const view = new DataView(bytes.buffer);
    view.setUint16(0, 0xfeff, true);
    for (let i = 0; i < text.length; i++) view.setUint16(2 + 2 * i, text.charCodeAt(i), true);
    const job = await ingest(fileSource(bytes, 'utf16.jsonl'));
    expect(job.status).toBe('done');
    const ds = (await db.datasets.get('ds_1'))!;
    expect(await datasetRowReader(db, ds).read(0, 10)).toEqual(JSONL_ROWS);
    expect(ds.stats!.encoding).toBe('UTF-16LE');
  });

  it('pause after a step and resume give every line exactly once', async () => {
    // ~9 MB: several steps of at most 4 MB each.
    const lines = Array.from({ length: 120_000 }, (_, i) => `line ${i} ${'x'.repeat(60)}`);
    ingestKind.after(1, 'pause');
    const id = await queue.enqueue({
      kind: 'ingest',
      params: { datasetId: 'ds_big', name: 'big', source: fileSource(lines.join('\n'), 'big.txt', { txtSplit: 'line' }) },
    });
    expect((await settled(id, ['paused', 'done'])).status).toBe('paused');
    expect((await db.datasets.get('ds_big'))!.rows).toBeLessThan(lines.length);
    await queue.resume(id);
    expect((await settled(id)).status).toBe('done');
    const ds = (await db.datasets.get('ds_big'))!;
    expect(ds.rows).toBe(lines.length);
    expect(await datasetRowReader(db, ds).read(0, ds.rows)).toEqual(lines);
  }, 120_000);

  it.each([
    ['empty-file', '', 'empty.txt', {}],
    ['binary-file', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x10, 0x0a]), 'data.txt', {}],
    ['invalid-utf8', new Uint8Array([0x61, 0x62, 0xff, 0xfe, 0x63, 0x0a]), 'latin1.txt', {}],
    ['missing-field', '{"body": "no text field"}\n', 'rows.jsonl', {}],
    ['missing-field', 'a,b\n1,2\n', 'table.csv', { field: 'text' }],
    ['file-too-large', 'x'.repeat(2000), 'big.txt', { maxBytes: 1000 }],
  ] as const)('rejects with %s and stores nothing (%#)', async (code, content, name, extra) => {
    const job = await ingest(fileSource(content, name, extra));
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe(code);
    await nothingStored();
  });

  it('malformed JSONL: abort lists the line numbers; skip imports the good lines', async () => {
    const text = ['{"text": "ok 1"}', '{"text": broken', '{"text": "ok 2"}', 'not json', '{"text": "ok 3"}'].join('\n');
    const aborted = await ingest(fileSource(text, 'rows.jsonl'));
    expect(aborted.error?.code).toBe('malformed-jsonl');
    expect(aborted.error?.message).toMatch(/2.*4/);
    await nothingStored();
    const skipped = await ingest(fileSource(text, 'rows.jsonl', { malformed: 'skip' }), 'ds_2');
    expect(skipped.status).toBe('done');
    const ds = (await db.datasets.get('ds_2'))!;
    expect(ds.rows).toBe(3);
    expect(ds.skipped).toEqual({ malformed: { count: 2, lines: [2, 4] } });
  });

  it('JSONL skip mode imports the lines with text and records, per reason, the lines it left out', async () => {
    const text = ['{"text": "ok 1"}', '{"title": "no text"}', '{"text": ""}', '{"text": null}', '{"text": "ok 5"}', '{"text": broken'].join('\n');
    const job = await ingest(fileSource(text, 'rows.jsonl', { malformed: 'skip' }));
    expect(job.status).toBe('done');
    expect(job.message).toContain('4 left out');
    const ds = (await db.datasets.get('ds_1'))!;
    expect(await datasetRowReader(db, ds).read(0, 10)).toEqual(['ok 1', 'ok 5']);
    expect(ds.skipped).toEqual({
      'no-field': { count: 1, lines: [2] },
      'empty-text': { count: 1, lines: [3] },
      'not-text': { count: 1, lines: [4] },
      malformed: { count: 1, lines: [6] },
    });
  });

  it('what skip mode left out is counted once across a pause and resume', async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => (i % 10_000 === 5 ? '{"title": "none"}' : JSON.stringify({ text: `line ${i} ${'z'.repeat(60)}` })));
    ingestKind.after(1, 'pause');
    const id = await queue.enqueue({
      kind: 'ingest',
      params: { datasetId: 'ds_s', name: 's', source: fileSource(lines.join('\n'), 's.jsonl', { malformed: 'skip' }) },
    });
    expect((await settled(id, ['paused', 'done'])).status).toBe('paused');
    await queue.resume(id);
    expect((await settled(id)).status).toBe('done');
    const ds = (await db.datasets.get('ds_s'))!;
    expect(ds.rows).toBe(lines.length - 10);
    expect(ds.skipped).toEqual({ 'no-field': { count: 10, lines: Array.from({ length: 10 }, (_, k) => k * 10_000 + 6) } });
  }, 120_000);

  it('a document larger than a stored chunk (64 MB) is refused by its row number, and nothing is stored', async () => {
    const huge = 'word '.repeat(13_500_000);
    const job = await ingest(fileSource(`small first document\n\n${huge}\n`, 'book.txt', { txtSplit: 'paragraph' }));
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('row-too-large');
    expect(job.error?.message).toMatch(/row 2 holds 64\.4 MB of text, over the 64\.0 MB/);
    await nothingStored();
  }, 120_000);

  /** Paths inside `v` that hold bytes (a Blob, an ArrayBuffer or a typed array). */
  function bytesIn(v: unknown, path = 'params'): string[] {
    if (v instanceof Blob || v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return [path];
    if (v === null || typeof v !== 'object') return [];
    return Object.entries(v).flatMap(([k, x]) => bytesIn(x, `${path}.${k}`));
  }

  it('a finished or refused import keeps no bytes of its file in the job record', async () => {
    const text = JSONL_ROWS.map((t) => JSON.stringify({ text: t })).join('\n');
    const done = await ingest(fileSource(text, 'rows.jsonl'));
    expect(done.status).toBe('done');
    expect(bytesIn(done.params)).toEqual([]);
    expect((done.params as IngestParams).source).toMatchObject({ fileName: 'rows.jsonl', size: new Blob([text]).size });
    const refused = await ingest(fileSource('{"text": broken\n', 'bad.jsonl'), 'ds_2');
    expect(refused.status).toBe('failed');
    expect(bytesIn(refused.params)).toEqual([]);
    expect(bytesIn(await db.jobs.toArray())).toEqual([]);
  });

  it('"skip those lines" after a refusal reads the same file again from the stored parameters', async () => {
    const text = ['{"text": "ok 1"}', 'not json', '{"text": "ok 3"}'].join('\n');
    const refused = await ingest(fileSource(text, 'rows.jsonl'));
    expect(refused.error?.code).toBe('malformed-jsonl');
    const p = refused.params as IngestParams;
    const retried = await settled(
      await queue.enqueue({ kind: 'ingest', params: { ...p, datasetId: 'ds_2', source: { ...p.source, malformed: 'skip' } } }),
    );
    expect(retried.status).toBe('done');
    expect(await datasetRowReader(db, (await db.datasets.get('ds_2'))!).read(0, 10)).toEqual(['ok 1', 'ok 3']);
  });

  it('a stored import whose file this page no longer holds (after a reload) is refused clearly, storing nothing', async () => {
    const source: FileSource = { type: 'file', fileName: 'notes.txt', format: 'txt', fileKey: 'file_from_before_the_reload', size: 1234 };
    const job = await ingest(source);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('file-unavailable');
    expect(job.error?.message).toMatch(/"notes\.txt" was chosen before the page was reloaded.*import it again/);
    await nothingStored();
    const unnamed = await queue.enqueue({ kind: 'ingest', params: { datasetId: 'ds_x', name: 'x', source: { type: 'file', fileName: 'x.txt', format: 'txt' } } }).catch((e: Error) => e);
    expect(unnamed).toBeInstanceOf(Error);
    expect((unnamed as Error).message).toMatch(/Choose a file/);
  });

  it('a stored import with a URL (the demo corpus) reads the file again after a reload; a file that changed is refused', async () => {
    let body = JSONL_ROWS.map((t) => JSON.stringify({ text: t })).join('\n');
    const server = createServer((_req, res) => res.end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/demo/corpus.jsonl`;
      const source: FileSource = { type: 'file', fileName: 'corpus.jsonl', format: 'jsonl', fileKey: 'file_not_held', url, size: new Blob([body]).size };
      const job = await ingest(source);
      expect(job.status).toBe('done');
      expect(await datasetRowReader(db, (await db.datasets.get('ds_1'))!).read(0, 10)).toEqual(JSONL_ROWS);
      body += '\n{"text": "added later"}';
      const changed = await ingest(source, 'ds_2');
      expect(changed.error?.code).toBe('file-changed');
      expect(changed.error?.message).toMatch(/"corpus\.jsonl" changed since its import started/);
      await expect.poll(() => db.datasets.get('ds_2'), { timeout: 10_000 }).toBeUndefined();
      expect(await db.datasetChunks.where('ownerId').equals('ds_2').count()).toBe(0);
    } finally {
      server.close();
    }
  });

  it('a cancelled import leaves nothing stored', async () => {
    const lines = Array.from({ length: 120_000 }, (_, i) => `line ${i} ${'y'.repeat(60)}`);
    ingestKind.after(1, 'cancel');
    const id = await queue.enqueue({
      kind: 'ingest',
      params: { datasetId: 'ds_c', name: 'c', source: fileSource(lines.join('\n'), 'c.txt', { txtSplit: 'line' }) },
    });
    expect((await settled(id)).status).toBe('cancelled');
    await nothingStored();
  }, 60_000);
});

describe('ingest job from the Hub (local mirror)', () => {
  it('imports a split up to the row limit (rows API and parquet), and refuses a missing dataset or column with nothing stored', async () => {
    const mirror = await startDatasetsMirror();
    try {
      const source = { type: 'hub', host: mirror.url, dataset: DEMO_DATASET, config: 'default', split: 'test', column: 'text', maxRows: 150 } as const;
      const ok = await settled(await queue.enqueue({ kind: 'ingest', params: { datasetId: 'ds_hub', name: 'hub', source } }));
      expect(ok.status).toBe('done');
      const ds = (await db.datasets.get('ds_hub'))!;
      const expected = generateDemoCorpus().slice(1400, 1550).map((d) => d.text);
      expect(ds.rows).toBe(150);
      expect(await datasetRowReader(db, ds).read(0, 150)).toEqual(expected);

      const viaParquet = await settled(
        await queue.enqueue({ kind: 'ingest', params: { datasetId: 'ds_pq', name: 'pq', source: { ...source, split: 'train', method: 'parquet', maxRows: 300 } } }),
      );
      expect(viaParquet.status).toBe('done');
      const pq = (await db.datasets.get('ds_pq'))!;
      expect(await datasetRowReader(db, pq).read(0, pq.rows)).toEqual(generateDemoCorpus().slice(0, 300).map((d) => d.text));

      const missing = await settled(
        await queue.enqueue({ kind: 'ingest', params: { datasetId: 'ds_none', name: 'none', source: { ...source, dataset: 'lantern/nope' } } }),
      );
      expect(missing.error?.code).toBe('hub-not-found');
      const wrongColumn = await settled(
        await queue.enqueue({ kind: 'ingest', params: { datasetId: 'ds_col', name: 'col', source: { ...source, column: 'body' } } }),
      );
      expect(wrongColumn.error?.code).toBe('missing-field');
      await expect.poll(() => db.datasets.count(), { timeout: 10_000 }).toBe(2);
      expect(await db.datasetChunks.where('ownerId').noneOf(['ds_hub', 'ds_pq']).count()).toBe(0);
    } finally {
      await mirror.close();
    }
  });
});

describe('tokenize job', () => {
  it('stores packed windows and token statistics equal to a direct pretokenization', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `Row ${i}: the ${i % 2 ? 'fox' : 'otter'} lives in the river near ${i * 7}.`);
    await ingest(fileSource(rows.join('\n'), 'rows.txt', { txtSplit: 'line' }));
    const cfg = { ...DEFAULT_PRETOKENIZE_CONFIG, contextSize: 32, sequencesPerChunk: 16 };
    const tokenizationId = await tokenizationIdFor('ds_1', 'builtin:demo-bpe', cfg);
    const job = await settled(
      await queue.enqueue({ kind: 'tokenize', params: { datasetId: 'ds_1', tokenizationId, tokenizer: { type: 'builtin' }, config: cfg } }),
    );
    expect(job.status).toBe('done');

    const tok = builtinTokenizer();
    const direct = new Pretokenizer(tok, cfg);
    const step = direct.push(rows);
    const expectedTokens = rows.reduce((a, r) => a + tok.encode(normalizeText(r, cfg.normalize)).length, 0);
    const rec = (await db.tokenizations.get(tokenizationId))!;
    expect(rec.status).toBe('ready');
    expect(rec.stats!.documents).toBe(300);
    expect(rec.stats!.documentTokens).toBe(expectedTokens);
    expect(rec.stats!.sequences).toBe(step.state.sequences);
    expect(rec.tokens).toBe(step.state.sequences * 32);
    const stored = (await db.tokenChunks.where('ownerId').equals(tokenizationId).sortBy('index')).flatMap((c) => [...new Uint16Array(c.bytes)]);
    const expected = [...step.chunks, direct.finish()!].flatMap((c) => [...c.tokens]);
    expect(stored).toEqual(expected);
    expect(rec.stats!.topTokens[0].count).toBeGreaterThan(0);
  });

  it('pause and resume mid-way store exactly the windows of an uninterrupted run', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => `Document ${i} about the ${['heron', 'lynx', 'gecko'][i % 3]} and ${i % 97} colours.`);
    await ingest(fileSource(rows.join('\n'), 'many.txt', { txtSplit: 'line' }));
    const cfg = { ...DEFAULT_PRETOKENIZE_CONFIG, contextSize: 48, sequencesPerChunk: 64 };
    const tokenizationId = await tokenizationIdFor('ds_1', 'builtin:demo-bpe', cfg);
    // A clock that jumps a second per reading ends every time-sliced step after one read of rows.
    let t = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (t += 1000));
    tokenizeKind.after(2, 'pause');
    const id = await queue.enqueue({ kind: 'tokenize', params: { datasetId: 'ds_1', tokenizationId, tokenizer: { type: 'builtin' }, config: cfg } });
    const paused = await settled(id, ['paused', 'done']);
    clock.mockRestore();
    expect(paused.status).toBe('paused');
    expect((await db.tokenizations.get(tokenizationId))!.status).toBe('running');
    await queue.resume(id);
    expect((await settled(id)).status).toBe('done');

    const direct = new Pretokenizer(builtinTokenizer(), cfg);
    const step = direct.push(rows);
    const expected = [...step.chunks, direct.finish()!].flatMap((c) => [...c.tokens]);
    const stored = (await db.tokenChunks.where('ownerId').equals(tokenizationId).sortBy('index')).flatMap((c) => [...new Uint16Array(c.bytes)]);
    expect(stored).toEqual(expected);
    expect((await db.tokenizations.get(tokenizationId))!.stats!.documentTokens).toBe(step.state.documentTokens);
  }, 120_000);
});
