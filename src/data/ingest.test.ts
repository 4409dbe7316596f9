// Local file ingest: every format streams to the expected rows, in one block or many, resumes
// from a cursor, honours maxRows, reports progress and stops on abort.
import { describe, expect, test } from 'vitest';
import { collectRows, detectFormat, ingestFile, type FileIngestOptions } from './ingest';
import { writeParquet } from './testing/parquetWriter';
import type { IngestBatch } from './types';

const file = (parts: BlobPart[], name: string) => new File(parts, name);

async function rowsOf(f: File, opts: FileIngestOptions = {}) {
  return (await collectRows(ingestFile(f, opts))).rows;
}

/** Reads in tiny blocks; resuming from every batch's cursor must yield exactly the rows after it. */
async function expectResumable(f: File, opts: FileIngestOptions = {}): Promise<void> {
  const batches: IngestBatch[] = [];
  for await (const b of ingestFile(f, { ...opts, blockBytes: 16 })) batches.push(b);
  const all = batches.flatMap((b) => b.rows);
  expect(all).toEqual(await rowsOf(f, opts));
  let before = 0;
  for (const b of batches) {
    before += b.rows.length;
    const rest = await rowsOf(f, { ...opts, resume: b.cursor });
    expect([...all.slice(0, before), ...rest]).toEqual(all);
  }
}

const TXT = 'First paragraph,\nstill first.\n\n\nSecond one.\r\n   \nThird \u00e9t\u00e9 ✓ 😀\n';

describe('txt', () => {
  test('splits into blank-line-separated paragraphs by default', async () => {
    expect(await rowsOf(file([TXT], 'a.txt'))).toEqual(['First paragraph,\nstill first.', 'Second one.', 'Third \u00e9t\u00e9 ✓ 😀']);
  });
  test('one document per file, or per line', async () => {
    expect(await rowsOf(file([TXT], 'a.txt'), { txtSplit: 'file' })).toEqual([TXT.replace('\r', '').replace(/\n$/, '')]);
    expect(await rowsOf(file([TXT], 'a.txt'), { txtSplit: 'line' })).toHaveLength(4);
  });
  test('tiny blocks and resumed reads give the same rows', async () => {
    const f = file([TXT.repeat(5)], 'a.txt');
    const whole = await rowsOf(f);
    expect(await rowsOf(f, { blockBytes: 7 })).toEqual(whole);
    await expectResumable(f);
  });
  test('CRLF documents held over a block boundary resume at their exact first byte', async () => {
    const crlf = 'para one line a\r\npara one line b\r\npara one line c\r\n\r\npara two x\r\npara two y\r\n\r\nthree\r\n';
    const f = file([crlf], 'crlf.txt');
    expect(await rowsOf(f)).toEqual(['para one line a\npara one line b\npara one line c', 'para two x\npara two y', 'three']);
    await expectResumable(f);
    await expectResumable(f, { txtSplit: 'file' });
  });
  test('a UTF-8 byte order mark is dropped', async () => {
    expect(await rowsOf(file([new Uint8Array([0xef, 0xbb, 0xbf]), 'hello'], 'bom.txt'))).toEqual(['hello']);
  });
});

describe('UTF-16 with a byte order mark', () => {
  /** `s` in UTF-16 (little or big endian) after its BOM, as Windows editors save "Unicode" text. */
  function utf16(s: string, littleEndian: boolean): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(2 + 2 * s.length);
    const view = new DataView(out.buffer);
    view.setUint16(0, 0xfeff, littleEndian);
    for (let i = 0; i < s.length; i++) view.setUint16(2 + 2 * i, s.charCodeAt(i), littleEndian);
    return out;
  }
  const jsonl = ['{"text":"caf\u00e9 au lait"}', '{"text":"emoji 😀 and \u4e2d\u6587"}', '{"text":"line\\nbreak"}'].join('\r\n') + '\r\n';
  const expected = ['café au lait', 'emoji 😀 and 中文', 'line\nbreak'];

  test.each([
    ['UTF-16LE', true],
    ['UTF-16BE', false],
  ])('%s is decoded, reported as the encoding, and resumes from every cursor', async (encoding, le) => {
    const f = file([utf16(jsonl.repeat(3), le)], 'u.jsonl');
    const { rows, last } = await collectRows(ingestFile(f));
    expect(rows).toEqual([...expected, ...expected, ...expected]);
    expect(last?.encoding).toBe(encoding);
    await expectResumable(f);
    const txt = file([utf16('First para.\n\nSecond 😀 para,\nstill second.\n', le)], 'u.txt');
    expect(await rowsOf(txt, { blockBytes: 6 })).toEqual(['First para.', 'Second 😀 para,\nstill second.']);
  });

  test('UTF-16 CSV keeps its quoted line breaks', async () => {
    expect(await rowsOf(file([utf16('id,text\n1,"a\nb"\n2,c\n', true)], 'u.csv'), { blockBytes: 4 })).toEqual(['a\nb', 'c']);
  });

  test('a NUL character or a lone surrogate in UTF-16 is refused with its offset', async () => {
    await expect(rowsOf(file([utf16('ok\n\0bad\n', true)], 'n.txt'))).rejects.toMatchObject({ code: 'binary-file', details: { byteOffset: 8 } });
    await expect(rowsOf(file([utf16('ok\n\ud800x\n', true)], 's.txt'))).rejects.toMatchObject({
      code: 'invalid-utf16',
      details: { byteOffset: 8, encoding: 'UTF-16LE' },
    });
  });

  test('UTF-8 reports its encoding too', async () => {
    expect((await collectRows(ingestFile(file(['a\n'], 'a.txt')))).last?.encoding).toBe('UTF-8');
  });
});

describe('jsonl and json', () => {
  const lines = [{ text: 'alpha', n: 1 }, { text: 'beta "quoted"\nline', n: 2 }, { meta: { body: 'x' }, text: 'gamma' }];
  const jsonl = lines.map((l) => JSON.stringify(l)).join('\n') + '\n\n';
  test('reads the chosen field of every line', async () => {
    expect(await rowsOf(file([jsonl], 'a.jsonl'))).toEqual(['alpha', 'beta "quoted"\nline', 'gamma']);
  });
  test('dotted field paths reach nested values', async () => {
    const f = file([JSON.stringify({ meta: { body: 'deep' } }) + '\n'], 'n.jsonl');
    expect(await rowsOf(f, { field: 'meta.body' })).toEqual(['deep']);
  });
  test('resumed reads give the same rows and true line numbers', async () => {
    const f = file([jsonl.repeat(4)], 'a.jsonl');
    await expectResumable(f);
  });
  test('.json arrays and objects holding one array', async () => {
    expect(await rowsOf(file([JSON.stringify(lines)], 'a.json'))).toEqual(['alpha', 'beta "quoted"\nline', 'gamma']);
    expect(await rowsOf(file([JSON.stringify({ data: lines, version: 2 })], 'b.json'))).toHaveLength(3);
    expect(await rowsOf(file([jsonl], 'lines-named.json'))).toHaveLength(3);
  });
});

describe('csv and tsv', () => {
  const csv = 'id,text,label\r\n1,plain,a\r\n2,"with, comma",b\r\n3,"multi\nline ""quoted""",c\r\n4,,d\r\n5,last,e';
  test('RFC 4180: quoted delimiters, doubled quotes, line breaks inside fields, CRLF', async () => {
    expect(await rowsOf(file([csv], 'a.csv'))).toEqual(['plain', 'with, comma', 'multi\nline "quoted"', 'last']);
  });
  test('tiny blocks and resumed reads give the same rows', async () => {
    const f = file([csv + '\n' + csv.split('\r\n').slice(1).join('\n') + '\n'], 'a.csv');
    const whole = await rowsOf(f);
    expect(whole).toHaveLength(8);
    expect(await rowsOf(f, { blockBytes: 5 })).toEqual(whole);
    await expectResumable(f);
  });
  test('tsv picks the chosen column', async () => {
    expect(await rowsOf(file(['a\tb\nx\t"y\tz"\n'], 'a.tsv'), { field: 'b' })).toEqual(['y\tz']);
  });
});

describe('parquet', () => {
  const texts = Array.from({ length: 300 }, (_, i) => `row ${i} ${'é'.repeat(i % 7)}`);
  const bytes = writeParquet(
    [
      { name: 'id', type: 'int64', values: texts.map((_, i) => i) },
      { name: 'text', type: 'string', values: texts },
    ],
    64,
  );
  const f = file([bytes], 'a.parquet');
  test('reads the text column across row groups', async () => {
    expect(await rowsOf(f)).toEqual(texts);
  });
  test('resumes at a row and stops at maxRows', async () => {
    expect(await rowsOf(f, { resume: { byte: 0, row: 100 }, maxRows: 150 })).toEqual(texts.slice(100, 150));
  });
});

describe('common behaviour', () => {
  test('formats are detected from extensions', () => {
    expect(['a.TXT', 'b.jsonl', 'c.ndjson', 'd.json', 'e.csv', 'f.tsv', 'g.parquet', 'h.bin'].map(detectFormat)).toEqual([
      'txt', 'jsonl', 'jsonl', 'json', 'csv', 'tsv', 'parquet', undefined,
    ]);
  });
  test('a single line far longer than a block is read whole', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({ text: `record ${i}` }));
    const f = file([JSON.stringify(records)], 'minified.json');
    expect(await rowsOf(f, { blockBytes: 1024 })).toEqual(records.map((r) => r.text));
    const long = 'word '.repeat(50_000).trim();
    expect(await rowsOf(file([long], 'one.txt'), { blockBytes: 1024 })).toEqual([long]);
  });

  test('maxRows stops early', async () => {
    expect(await rowsOf(file(['a\nb\nc\nd\n'], 'a.txt'), { txtSplit: 'line', maxRows: 2 })).toEqual(['a', 'b']);
  });
  test('progress reaches the file size with a rate', async () => {
    const seen: number[] = [];
    const f = file(['x\n'.repeat(1000)], 'p.txt');
    await rowsOf(f, { txtSplit: 'line', blockBytes: 100, onProgress: (p) => seen.push(p.fraction ?? -1) });
    expect(seen.at(-1)).toBe(1);
  });
  test('an aborted signal stops the read', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(rowsOf(file(['a\n'], 'a.txt'), { signal: ac.signal })).rejects.toThrow(/abort/i);
  });
});
