// Every kind of bad input is rejected with a typed DataError (code, message with where/how, details)
// and produces no rows.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_DATASET, startDatasetsMirror, type DatasetsMirror } from '../../scripts/datasets-mirror';
import { DataError, type DataErrorCode } from './errors';
import { describeSkipped } from './formats/jsonl';
import { createHubDatasetsClient } from './hub';
import { collectRows, ingestFile, type FileIngestOptions } from './ingest';
import { writeParquet } from './testing/parquetWriter';
import type { IngestBatch } from './types';

/** Drains `source`, expecting a DataError with `code`; returns it. */
async function rejection(source: AsyncIterable<IngestBatch>, code: DataErrorCode): Promise<DataError> {
  const err = await collectRows(source).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataError);
  const e = err as DataError;
  expect(e.code).toBe(code);
  expect(e.message.length).toBeGreaterThan(30);
  return e;
}

const bad = (parts: BlobPart[], name: string, opts: FileIngestOptions, code: DataErrorCode) =>
  rejection(ingestFile(new File(parts, name), opts), code);

describe('local files', () => {
  test('empty file', async () => {
    const e = await bad([], 'empty.txt', {}, 'empty-file');
    expect(e.message).toContain('empty.txt');
  });

  test('whitespace-only file has no rows', async () => {
    await bad(['\n \n\t\n'], 'blank.txt', {}, 'empty-file');
  });

  test('binary file (NUL bytes) names the offset', async () => {
    const e = await bad([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x14])], 'archive.txt', {}, 'binary-file');
    expect(e.details.byteOffset).toBe(4);
  });

  test('non-UTF-8 text (Latin-1) names the first bad byte', async () => {
    const latin1 = new Uint8Array([...new TextEncoder().encode('ok line\ncaf'), 0xe9, 0x0a]);
    const e = await bad([latin1], 'latin1.txt', {}, 'invalid-utf8');
    expect(e.details.byteOffset).toBe(11);
    expect(e.message).toMatch(/UTF-8/);
  });

  test('malformed JSONL lines abort with every line number', async () => {
    const text = '{"text":"a"}\n{"text":\n{"text":"c"}\nnot json\n{"text":"e"}\n';
    const e = await bad([text], 'bad.jsonl', {}, 'malformed-jsonl');
    expect(e.details.lines).toEqual([2, 4]);
    expect(e.message).toContain('lines 2, 4');
  });

  test('malformed JSONL lines are skipped and reported in skip mode', async () => {
    const text = '{"text":"a"}\n{"text":\n{"text":"c"}\nnot json\n';
    const { rows, last } = await collectRows(ingestFile(new File([text], 'bad.jsonl'), { malformed: 'skip', blockBytes: 8 }));
    expect(rows).toEqual(['a', 'c']);
    expect(last?.skipped).toEqual({ malformed: { count: 2, lines: [2, 4] } });
  });

  test('JSONL without the chosen field suggests the fields that hold text', async () => {
    const e = await bad(['{"body":"a","id":1}\n'], 'x.jsonl', { field: 'text' }, 'missing-field');
    expect(e.details.available).toEqual(['body']);
    expect(e.message).toContain('line 1');
    expect(e.message).toContain('Fields that hold text in every line so far: body.');
  });

  const mixed = [
    '{"text":"one","title":"t1"}',
    '{"title":"t2","body":"no text field"}',
    '{"text":"","title":"t3"}',
    'not json',
    '{"text":null,"title":"t5"}',
    '{"text":7,"title":"t6"}',
    '{"text":"seven","title":"t7"}',
  ].join('\n');

  test('JSONL skip mode leaves out lines without text, counts them and names their lines', async () => {
    for (const blockBytes of [undefined, 16]) {
      const { rows, last } = await collectRows(ingestFile(new File([mixed], 'm.jsonl'), { malformed: 'skip', blockBytes }));
      expect(rows).toEqual(['one', 'seven']);
      expect(last?.skipped).toEqual({
        'no-field': { count: 1, lines: [2] },
        'empty-text': { count: 1, lines: [3] },
        malformed: { count: 1, lines: [4] },
        'not-text': { count: 2, lines: [5, 6] },
      });
    }
  });

  test('JSONL abort mode: a line without the field, after lines with it, is named with the fields every line has', async () => {
    const text = '{"text":"one","title":"t1"}\n{"title":"t2","body":"b"}\n{"text":"three","title":"t3"}\n';
    const e = await bad([text], 'm.jsonl', {}, 'missing-field');
    expect(e.message).toContain('no "text" field at line 2, though the lines before it have one');
    expect(e.message).toContain('skip them');
    expect(e.details.available).toEqual(['title']);
  });

  test('JSONL empty text is counted as left out in abort mode too', async () => {
    const { rows, last } = await collectRows(ingestFile(new File(['{"text":"a"}\n{"text":""}\n'], 'e.jsonl')));
    expect(rows).toEqual(['a']);
    expect(last?.skipped).toEqual({ 'empty-text': { count: 1, lines: [2] } });
  });

  test('JSONL skip mode where no line has the field says so and suggests the fields that do', async () => {
    const e = await bad(['{"body":"a","id":1}\n{"body":"b","id":2}\n'], 'x.jsonl', { field: 'text', malformed: 'skip' }, 'missing-field');
    expect(e.message).toContain('No line of "x.jsonl" has text in a "text" field (2 lines left out)');
    expect(e.details.available).toEqual(['body']);
  });

  test('the skip report reads as one sentence per reason, listing the first lines', () => {
    const text = describeSkipped({ 'empty-text': { count: 12, lines: [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25] }, malformed: { count: 1, lines: [4] } }, 'text');
    expect(text).toEqual(['1 line not valid JSON (line 4)', '12 lines with an empty "text" (lines 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, …)']);
  });

  test('.json records follow the same skip rules, by record number', async () => {
    const records = [{ text: 'a' }, { body: 'x' }, { text: '' }, { text: 'd' }];
    const { rows, last } = await collectRows(ingestFile(new File([JSON.stringify(records)], 'r.json'), { malformed: 'skip' }));
    expect(rows).toEqual(['a', 'd']);
    expect(last?.skipped).toEqual({ 'no-field': { count: 1, lines: [2] }, 'empty-text': { count: 1, lines: [3] } });
    const e = await bad([JSON.stringify(records)], 'r.json', {}, 'missing-field');
    expect(e.message).toContain('record 2');
  });

  test('JSONL whose text field is null says it is null, not missing', async () => {
    const e = await bad(['{"text":"a"}\n{"text":null,"id":2}\n'], 'x.jsonl', { field: 'text' }, 'missing-field');
    expect(e.message).toContain('"text" at line 2 is null');
    expect(e.message).not.toMatch(/has no "text" field/);
    expect(e.details.type).toBe('null');
  });

  test.each([
    ['{"text":{"a":1}}', 'an object'],
    ['{"text":[1]}', 'an array'],
    ['{"text":3}', 'a number'],
    ['{"text":true}', 'a boolean'],
  ])('JSONL text field %s is described as %s', async (line, kind) => {
    const e = await bad([`${line}\n`], 'x.jsonl', {}, 'missing-field');
    expect(e.message).toContain(`is ${kind}, not text`);
  });

  test('CSV without the chosen column lists the columns', async () => {
    const e = await bad(['id,body\n1,hello\n'], 'x.csv', { field: 'text' }, 'missing-field');
    expect(e.details.available).toEqual(['id', 'body']);
  });

  test('CSV with an unterminated quote names the line where the quote opened, in one block or many', async () => {
    const text = 'id,text\n1,fine\n2,"multi\nline"\n3,ok\n4,"never closed\n5,x\n6,y\n';
    for (const blockBytes of [undefined, 8]) {
      const e = await bad([text], 'x.csv', { blockBytes }, 'malformed-csv');
      expect(e.details.line).toBe(6);
      expect(e.message).toContain('opened on line 6');
    }
    const second = await bad(['id,text,more\n1,"a\nb","never closed\n2,x,y\n'], 'y.csv', {}, 'malformed-csv');
    expect(second.details.line).toBe(3);
  });

  test('Parquet without the chosen column', async () => {
    const bytes = writeParquet([{ name: 'body', type: 'string', values: ['a'] }]);
    const e = await bad([bytes], 'x.parquet', {}, 'missing-field');
    expect(e.details.available).toEqual(['body']);
  });

  test('a file that is not Parquet', async () => {
    await bad(['just some text pretending'], 'x.parquet', {}, 'invalid-parquet');
  });

  test('a file over the byte limit is refused before reading', async () => {
    const e = await bad(['x'.repeat(2048)], 'big.txt', { maxBytes: 1024 }, 'file-too-large');
    expect(e.details).toMatchObject({ size: 2048, maxBytes: 1024 });
  });

  test('an unknown extension needs an explicit format', async () => {
    await bad(['hello'], 'notes.docx', {}, 'unsupported-format');
  });
});

describe('Hub', () => {
  let mirror: DatasetsMirror;
  beforeAll(async () => {
    mirror = await startDatasetsMirror();
  });
  afterAll(() => mirror.close());

  test('a dataset that does not exist', async () => {
    const hub = createHubDatasetsClient({ host: mirror.url });
    const e = await rejection(hub.readRows({ dataset: 'nobody/nothing', config: 'default', split: 'train', column: 'text' }), 'hub-not-found');
    expect(e.details.status).toBe(404);
    expect(e.message).toContain('nobody/nothing');
    await expect(hub.splits('nobody/nothing')).rejects.toMatchObject({ code: 'hub-not-found' });
    await rejection(hub.readParquet({ dataset: 'nobody/nothing', config: 'default', split: 'train', column: 'text' }), 'hub-not-found');
  });

  test('a column the dataset does not have', async () => {
    const hub = createHubDatasetsClient({ host: mirror.url });
    const e = await rejection(hub.readRows({ dataset: DEMO_DATASET, config: 'default', split: 'train', column: 'body' }), 'missing-field');
    expect(e.details.available).toEqual(['id', 'topic', 'text']);
  });

  test('an unreachable host', async () => {
    const hub = createHubDatasetsClient({ host: 'http://127.0.0.1:9' });
    await expect(hub.splits(DEMO_DATASET)).rejects.toMatchObject({ code: 'hub-request-failed' });
  });
});
