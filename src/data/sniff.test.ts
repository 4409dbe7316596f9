// Field and column names offered before an import.
import { describe, expect, it } from 'vitest';
import { sniffFields } from './sniff';
import { writeParquet } from './testing/parquetWriter';

describe('sniffFields', () => {
  it('lists JSONL fields, string-valued first', async () => {
    expect(await sniffFields(new Blob(['{"id": 1, "body": "x", "meta": {}, "title": "t"}\n{"id": 2}\n']), 'jsonl')).toEqual(['body', 'title', 'id', 'meta']);
  });
  it('reads the CSV and TSV header, quoted names included', async () => {
    expect(await sniffFields(new Blob(['id,"the, text",label\n1,a,b\n']), 'csv')).toEqual(['id', 'the, text', 'label']);
    expect(await sniffFields(new Blob(['a\tb\n1\t2\n']), 'tsv')).toEqual(['a', 'b']);
  });
  it('reads field names of UTF-16 files with a byte order mark', async () => {
    const text = '{"body": "x", "n": 1}\n';
    const le = new Uint8Array(2 + 2 * text.length);
    le.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) le[2 + 2 * i] = text.charCodeAt(i);
    expect(await sniffFields(new Blob([le]), 'jsonl')).toEqual(['body', 'n']);
  });
  it('reads Parquet column names from the footer', async () => {
    const bytes = writeParquet([
      { name: 'content', type: 'string', values: ['x'] },
      { name: 'n', type: 'int64', values: [1] },
    ]);
    expect(await sniffFields(new Blob([bytes]), 'parquet')).toEqual(['content', 'n']);
  });
  it('gives no names for unreadable input', async () => {
    expect(await sniffFields(new Blob(['not json\n']), 'jsonl')).toEqual([]);
    expect(await sniffFields(new Blob(['PAR1 nope']), 'parquet')).toEqual([]);
  });
});
