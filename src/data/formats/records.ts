// The contract between the streaming text reader and each text format: a parser takes blocks of
// complete lines and returns finished rows, holding back any record that continues in the next block.

import type { DataError } from '../errors';
import type { SkipReport } from '../types';

export interface RecordParser {
  /** Consumes a block of complete lines (see readTextBlocks); returns the rows it finished. */
  push(text: string, final: boolean): string[];
  /** Text of an unfinished record held back for the next block ('' when none). */
  pending(): string;
  /** 1-based line number at which the held-back text (or the next record) starts. */
  line(): number;
  /** CSV: the header record once read. */
  header?(): string[] | undefined;
  /** JSONL: what was left out so far (malformed lines, records without text), by reason. */
  skipped?(): SkipReport;
  /** JSONL: why the file gave no row at all, when that is known (a field no line has, only malformed lines). */
  noRowsError?(): DataError | undefined;
}

/** Splits a block into lines without their '\n' (and without a trailing '\r'). */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
  return lines;
}
