// Statistics equal those computed directly from the rows and tokens; the sample browser pages
// and finds a known row.
import { describe, expect, test } from 'vitest';
import { arrayRowReader, browseRows, searchRows } from './browse';
import { demoCorpusJsonl, generateDemoCorpus } from './demoCorpus';
import { collectRows, ingestFile } from './ingest';
import { DEFAULT_PRETOKENIZE_CONFIG, Pretokenizer } from './pretokenize';
import { countCharacters, histogram, textStats, TokenStatsAccumulator, topTokens } from './stats';
import { builtinTokenizer as demoTokenizer } from './builtinTokenizer';

const docs = generateDemoCorpus({ documents: 300, seed: 3 });

describe('text statistics', () => {
  test('rows, characters, bytes and lengths of an ingested file equal direct computation', async () => {
    const f = new File([demoCorpusJsonl(docs)], 'demo.jsonl');
    const { rows } = await collectRows(ingestFile(f));
    const texts = docs.map((d) => d.text);
    expect(rows).toEqual(texts);
    const s = textStats(rows, 10);
    const lengths = texts.map((t) => [...t].length);
    expect(s.rows).toBe(300);
    expect(s.characters).toBe(lengths.reduce((a, b) => a + b, 0));
    expect(s.bytes).toBe(texts.reduce((a, t) => a + new TextEncoder().encode(t).length, 0));
    expect(s.minLength).toBe(Math.min(...lengths));
    expect(s.maxLength).toBe(Math.max(...lengths));
    expect(s.lengthHistogram.counts.reduce((a, b) => a + b, 0)).toBe(300);
    const [lo, hi] = [s.lengthHistogram.edges[0], s.lengthHistogram.edges[1]];
    expect(s.lengthHistogram.counts[0]).toBe(lengths.filter((n) => n >= lo && n < hi).length);
  });

  test('characters count code points', () => {
    expect(countCharacters('a😀é')).toBe(3);
  });

  test('histogram bins: linear edges, the maximum lands in the last bin, log scale', () => {
    expect(histogram([0, 1, 2, 3, 4], 2)).toEqual({ edges: [0, 2, 4], counts: [2, 3] });
    expect(histogram([7, 7], 3).counts).toEqual([2, 0, 0]);
    const log = histogram([1, 10, 100, 1000], 3, 'log');
    expect(log.counts).toEqual([1, 1, 2]);
    expect(log.edges[3]).toBeCloseTo(1000);
    expect(histogram([], 4)).toEqual({ edges: [], counts: [] });
  });
});

describe('token statistics', () => {
  test('token counts and most frequent tokens equal direct counting', () => {
    const tok = demoTokenizer();
    const pre = new Pretokenizer(tok, { ...DEFAULT_PRETOKENIZE_CONFIG, contextSize: 64, sequencesPerChunk: 8 });
    const acc = new TokenStatsAccumulator(tok.vocabSize);
    const step = pre.push(docs.map((d) => d.text));
    acc.pushDocLengths(step.docLengths);
    const chunks = [...step.chunks, pre.finish()!];
    for (const c of chunks) acc.pushWindows(c.tokens, c.contextSize);
    const s = acc.result({ topK: 10, excludeIds: tok.allSpecialIds });

    const all = chunks.flatMap((c) => Array.from(c.tokens));
    const direct = new Map<number, number>();
    for (const t of all) if (t !== tok.special.bos) direct.set(t, (direct.get(t) ?? 0) + 1);
    const expected = [...direct].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 10).map(([id, count]) => ({ id, count }));
    expect(s.topTokens).toEqual(expected);
    expect(s.packedTokens).toBe(all.length);
    expect(s.sequences).toBe(all.length / 64);
    expect(s.documents).toBe(300);
    expect(s.documentTokens).toBe(docs.reduce((a, d) => a + tok.encode(d.text).length, 0));
  });

  test('topTokens breaks ties by smaller id', () => {
    expect(topTokens([0, 5, 5, 9, 1], 3)).toEqual([
      { id: 3, count: 9 },
      { id: 1, count: 5 },
      { id: 2, count: 5 },
    ]);
  });
});

describe('sample browser', () => {
  const reader = arrayRowReader(docs.map((d) => d.text));

  test('pages through rows and clamps past the end', async () => {
    const p = await browseRows(reader, { page: 2, pageSize: 25 });
    expect(p.rows.map((r) => r.index)).toEqual(Array.from({ length: 25 }, (_, i) => 50 + i));
    expect(p.pageCount).toBe(12);
    expect((await browseRows(reader, { page: 99, pageSize: 25 })).page).toBe(11);
  });

  test('search finds a known row, case-insensitively, with spans', async () => {
    const target = docs[123].text;
    const needle = target.slice(5, 30);
    const r = await searchRows(reader, needle.toUpperCase(), { scanBatch: 7 });
    expect(r.matches.map((m) => m.index)).toContain(123);
    const m = r.matches.find((x) => x.index === 123)!;
    expect(m.text.slice(m.spans[0][0], m.spans[0][1])).toBe(needle);
  });

  test('search continues from nextStart', async () => {
    const first = await searchRows(reader, 'the', { limit: 5 });
    expect(first.matches).toHaveLength(5);
    const next = await searchRows(reader, 'the', { limit: 5, start: first.nextStart! });
    expect(next.matches[0].index).toBeGreaterThan(first.matches[4].index);
    expect((await searchRows(reader, 'zzzz-not-there')).matches).toEqual([]);
  });
});
