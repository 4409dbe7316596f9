// Dataset statistics for the Datasets page, accumulated while streaming: rows, characters, bytes,
// document-length histograms (in characters or tokens) and the most frequent tokens.

import { utf8ByteLength } from './text';

export interface Histogram {
  /** Bin edges, length bins + 1; bin i holds edges[i] ≤ v < edges[i+1] (the last bin includes its top). */
  edges: number[];
  counts: number[];
}

/** Histogram of non-negative values in `bins` equal-width bins ('linear') or equal width in log10 ('log'). */
export function histogram(values: ArrayLike<number>, bins = 20, scale: 'linear' | 'log' = 'linear'): Histogram {
  if (values.length === 0) return { edges: [], counts: [] };
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const f = scale === 'log' ? (v: number) => Math.log10(Math.max(v, 1)) : (v: number) => v;
  const inv = scale === 'log' ? (x: number) => 10 ** x : (x: number) => x;
  const lo = f(min);
  let hi = f(max);
  if (hi === lo) hi = lo + 1;
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(bins - 1, Math.floor((f(values[i]) - lo) / width));
    counts[b]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => inv(lo + i * width));
  return { edges, counts };
}

/** Unicode code points in `s` (a surrogate pair counts once). */
export function countCharacters(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

export interface TextStats {
  rows: number;
  characters: number;
  bytes: number;
  minLength: number;
  maxLength: number;
  meanLength: number;
  /** Row lengths in characters. */
  lengthHistogram: Histogram;
}

export class TextStatsAccumulator {
  private lengths: number[] = [];
  private characters = 0;
  private bytes = 0;

  push(rows: Iterable<string>): void {
    for (const r of rows) {
      const n = countCharacters(r);
      this.lengths.push(n);
      this.characters += n;
      this.bytes += utf8ByteLength(r);
    }
  }

  result(bins = 20, scale: 'linear' | 'log' = 'linear'): TextStats {
    const rows = this.lengths.length;
    return {
      rows,
      characters: this.characters,
      bytes: this.bytes,
      minLength: rows ? this.lengths.reduce((a, b) => Math.min(a, b), Infinity) : 0,
      maxLength: rows ? this.lengths.reduce((a, b) => Math.max(a, b), 0) : 0,
      meanLength: rows ? this.characters / rows : 0,
      lengthHistogram: histogram(this.lengths, bins, scale),
    };
  }
}

export function textStats(rows: Iterable<string>, bins = 20, scale: 'linear' | 'log' = 'linear'): TextStats {
  const acc = new TextStatsAccumulator();
  acc.push(rows);
  return acc.result(bins, scale);
}

export interface TokenCount {
  id: number;
  count: number;
}

export interface TokenStats {
  documents: number;
  /** Tokens the tokenizer produced over all documents. */
  documentTokens: number;
  /** Tokens in packed windows. */
  packedTokens: number;
  sequences: number;
  /** Document lengths in tokens. */
  lengthHistogram: Histogram;
  topTokens: TokenCount[];
}

/** Counts document lengths (from the pretokenizer's `docLengths`) and token frequencies (from chunks). */
export class TokenStatsAccumulator {
  private counts: Uint32Array;
  private docLengths: number[] = [];
  private documentTokens = 0;
  private packedTokens = 0;
  private sequences = 0;

  constructor(vocabSize: number) {
    this.counts = new Uint32Array(vocabSize);
  }

  pushDocLengths(lengths: ArrayLike<number>): void {
    for (let i = 0; i < lengths.length; i++) {
      this.docLengths.push(lengths[i]);
      this.documentTokens += lengths[i];
    }
  }

  /** Packed windows, [nSeq, contextSize]. */
  pushWindows(tokens: ArrayLike<number>, contextSize: number): void {
    for (let i = 0; i < tokens.length; i++) this.counts[tokens[i]]++;
    this.packedTokens += tokens.length;
    this.sequences += tokens.length / contextSize;
  }

  result({ topK = 50, bins = 20, scale = 'linear', excludeIds = [] }: { topK?: number; bins?: number; scale?: 'linear' | 'log'; excludeIds?: readonly number[] } = {}): TokenStats {
    return {
      documents: this.docLengths.length,
      documentTokens: this.documentTokens,
      packedTokens: this.packedTokens,
      sequences: this.sequences,
      lengthHistogram: histogram(this.docLengths, bins, scale),
      topTokens: topTokens(this.counts, topK, excludeIds),
    };
  }
}

/** The k most frequent ids (ties by smaller id), skipping `excludeIds`. */
export function topTokens(counts: ArrayLike<number>, k: number, excludeIds: readonly number[] = []): TokenCount[] {
  const skip = new Set(excludeIds);
  const top: TokenCount[] = [];
  for (let id = 0; id < counts.length; id++) {
    const count = counts[id];
    if (count === 0 || skip.has(id)) continue;
    if (top.length === k && count <= top[k - 1].count) continue;
    let j = top.length < k ? top.length : k - 1;
    while (j > 0 && top[j - 1].count < count) j--;
    top.splice(j, 0, { id, count });
    if (top.length > k) top.pop();
  }
  return top;
}
