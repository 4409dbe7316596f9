// JSON Lines files (one object per line): picks the text field of every record. Malformed lines
// are either skipped (their line numbers are reported) or abort the import; in abort mode the
// rest of the file is still scanned so the error lists every bad line, not just the first.

import { DataError } from '../errors';
import type { RecordParser } from './records';
import { splitLines } from './records';

export type MalformedMode = 'skip' | 'abort';

/** At most this many line numbers are listed in an error or kept in skip mode. */
export const MAX_REPORTED_LINES = 100;

/** Reads `field` (a key, or a dotted path such as "meta.text") from a parsed record. */
export function getField(record: unknown, field: string): unknown {
  if (record === null || typeof record !== 'object') return undefined;
  if (field in record) return (record as Record<string, unknown>)[field];
  let v: unknown = record;
  for (const key of field.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** How a non-text JSON value is named in messages: "null", "an object", "an array", "a number", "a boolean". */
export function describeJsonValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/** The text of one record, or a `missing-field` error naming where and what fields exist. */
export function fieldText(record: unknown, field: string, where: string, fileLabel: string): string {
  const v = getField(record, field);
  if (typeof v === 'string') return v;
  const keys = record !== null && typeof record === 'object' && !Array.isArray(record) ? Object.keys(record) : [];
  if (v === undefined) {
    throw new DataError(
      'missing-field',
      `${fileLabel} has no "${field}" field at ${where}. Available fields: ${keys.length ? keys.join(', ') : '(none: the record is not an object)'}. Choose one of them as the text field.`,
      { field, where, available: keys },
    );
  }
  const type = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  throw new DataError(
    'missing-field',
    `${fileLabel}: field "${field}" at ${where} is ${describeJsonValue(v)}, not text. Choose a field that holds strings.`,
    { field, where, available: keys, type },
  );
}

export function malformedError(fileLabel: string, lines: number[], more: boolean): DataError {
  const list = lines.join(', ') + (more ? ', …' : '');
  return new DataError(
    'malformed-jsonl',
    `${fileLabel} has malformed JSON on line${lines.length > 1 ? 's' : ''} ${list}. Fix those lines, or import again choosing "skip malformed lines".`,
    { lines, truncated: more },
  );
}

export function createJsonlParser(
  field: string,
  mode: MalformedMode,
  fileLabel: string,
  startLine = 1,
): RecordParser {
  let line = startLine;
  const bad: number[] = [];
  let badCount = 0;

  return {
    push(text, final) {
      const rows: string[] = [];
      for (const raw of splitLines(text)) {
        const at = line++;
        if (raw.trim() === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(raw);
        } catch {
          badCount++;
          if (bad.length < MAX_REPORTED_LINES) bad.push(at);
          continue;
        }
        if (mode === 'abort' && badCount) continue;
        const t = fieldText(record, field, `line ${at}`, fileLabel);
        if (t !== '') rows.push(t);
      }
      if (mode === 'abort' && badCount && final) throw malformedError(fileLabel, bad, badCount > bad.length);
      return mode === 'abort' && badCount ? [] : rows;
    },
    pending: () => '',
    line: () => line,
    skippedLines: () => bad,
  };
}
