// The Datasets page's sample browser over stored rows: pages, and plain-text search that scans in
// batches (cancellable, resumable from `nextStart`). Storage stays behind the RowReader seam.

export interface RowReader {
  count(): Promise<number> | number;
  /** Rows [start, end). */
  read(start: number, end: number): Promise<string[]> | string[];
}

export function arrayRowReader(rows: readonly string[]): RowReader {
  return { count: () => rows.length, read: (start, end) => rows.slice(start, end) };
}

export interface RowView {
  index: number;
  text: string;
}

export interface RowPage {
  rows: RowView[];
  total: number;
  page: number;
  pageCount: number;
}

/** Page `page` (0-based, clamped to the last page) of `pageSize` rows. */
export async function browseRows(reader: RowReader, { page, pageSize }: { page: number; pageSize: number }): Promise<RowPage> {
  const total = await reader.count();
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const p = Math.min(Math.max(0, Math.floor(page)), pageCount - 1);
  const start = p * pageSize;
  const texts = await reader.read(start, Math.min(total, start + pageSize));
  return { rows: texts.map((text, i) => ({ index: start + i, text })), total, page: p, pageCount };
}

export interface SearchMatch extends RowView {
  /** [start, end) UTF-16 offsets of each occurrence in `text` (at most 20). */
  spans: [number, number][];
}

export interface SearchResult {
  matches: SearchMatch[];
  /** Row to continue from for more matches, or null when the scan reached the end. */
  nextStart: number | null;
  scanned: number;
}

export interface SearchOptions {
  start?: number;
  limit?: number;
  caseSensitive?: boolean;
  /** Rows read per storage call. */
  scanBatch?: number;
  signal?: AbortSignal;
}

const MAX_SPANS = 20;

/** Rows containing `query` as a substring, from `start`, up to `limit` matches. */
export async function searchRows(reader: RowReader, query: string, opts: SearchOptions = {}): Promise<SearchResult> {
  const { start = 0, limit = 50, caseSensitive = false, scanBatch = 1000, signal } = opts;
  const total = await reader.count();
  const matches: SearchMatch[] = [];
  if (query === '') return { matches, nextStart: null, scanned: 0 };
  const needle = caseSensitive ? query : query.toLowerCase();
  let i = start;
  while (i < total) {
    signal?.throwIfAborted();
    const texts = await reader.read(i, Math.min(total, i + scanBatch));
    for (let k = 0; k < texts.length; k++) {
      const text = texts[k];
      const hay = caseSensitive ? text : text.toLowerCase();
      let at = hay.indexOf(needle);
      if (at < 0) continue;
      const spans: [number, number][] = [];
      while (at >= 0 && spans.length < MAX_SPANS) {
        spans.push([at, at + needle.length]);
        at = hay.indexOf(needle, at + needle.length);
      }
      matches.push({ index: i + k, text, spans });
      if (matches.length === limit) {
        const next = i + k + 1;
        return { matches, nextStart: next < total ? next : null, scanned: next - start };
      }
    }
    i += texts.length;
    if (texts.length === 0) break;
  }
  return { matches, nextStart: null, scanned: i - start };
}
