// JSON Lines files (one object per line): picks the text field of every record. Malformed lines and
// records without text are either skipped (counted, with their line numbers) or abort the import; in
// abort mode the rest of the file is still scanned so the error lists every malformed line.

import { DataError } from '../errors';
import type { SkipReason, SkipReport } from '../types';
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

/** Keys of `record` whose values are strings. */
function textKeys(record: unknown): string[] {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return [];
  return Object.entries(record).filter(([, v]) => typeof v === 'string').map(([k]) => k);
}

/** Adds one skipped line (or record) number to `report` under `reason`, keeping the first few numbers. */
function noteSkipped(report: SkipReport, reason: SkipReason, at: number): void {
  const entry = (report[reason] ??= { count: 0, lines: [] });
  entry.count++;
  if (entry.lines.length < MAX_REPORTED_LINES) entry.lines.push(at);
}

/** `earlier` followed by `later` (a report of the records after it): counts added, first numbers kept. */
export function mergeSkipReports(earlier: SkipReport, later: SkipReport): SkipReport {
  const out: SkipReport = structuredClone(earlier);
  for (const [reason, entry] of Object.entries(later) as [SkipReason, { count: number; lines: number[] }][]) {
    const into = (out[reason] ??= { count: 0, lines: [] });
    into.count += entry.count;
    into.lines = [...into.lines, ...entry.lines].slice(0, MAX_REPORTED_LINES);
  }
  return out;
}

/** Records left out in all, over every reason. */
export function skippedCount(report: SkipReport): number {
  return Object.values(report).reduce((n, e) => n + e.count, 0);
}

/** One sentence per reason, for the Datasets page: "2 lines not valid JSON (lines 2, 4)". */
export function describeSkipped(report: SkipReport, field: string, unit: 'line' | 'record' = 'line', shown = 10): string[] {
  const what: Record<SkipReason, string> = {
    malformed: 'not valid JSON',
    'no-field': `without a "${field}" field`,
    'not-text': `whose "${field}" is not text (null, a number, an object…)`,
    'empty-text': `with an empty "${field}"`,
  };
  const out: string[] = [];
  for (const reason of ['malformed', 'no-field', 'not-text', 'empty-text'] as const) {
    const e = report[reason];
    if (!e?.count) continue;
    const list = e.lines.slice(0, shown).join(', ') + (e.count > Math.min(shown, e.lines.length) ? ', …' : '');
    out.push(`${e.count.toLocaleString('en-US')} ${unit}${e.count === 1 ? '' : 's'} ${what[reason]} (${unit}${e.lines.length === 1 ? '' : 's'} ${list})`);
  }
  return out;
}

export interface FieldPicker {
  /** The record's text; undefined when the record is left out (counted in `skipped()`). */
  pick(record: unknown, at: number): string | undefined;
  /** What was left out so far, by reason. */
  skipped(): SkipReport;
  /** Why a source that produced no row at all has none (call at its end). */
  noRowsError(): DataError | undefined;
}

/**
 * Picks the text field of every record (`at` is its line or record number). Empty text is left out
 * and counted in both modes. A record without the field, or whose field is not a string, is left out
 * and counted in skip mode, and stops the import in abort mode with a message that suggests only
 * fields holding text in every record read so far.
 */
export function createFieldPicker(field: string, mode: MalformedMode, fileLabel: string, unit: 'line' | 'record'): FieldPicker {
  const skipped: SkipReport = {};
  /** Keys that hold text in every record so far. */
  let common: string[] | undefined;
  let picked = 0;
  const suggestion = () =>
    common?.length
      ? `Fields that hold text in every ${unit} so far: ${common.join(', ')}.`
      : `No other field holds text in every ${unit} so far.`;

  return {
    pick(record, at) {
      const keys = textKeys(record);
      common = common ? common.filter((k) => keys.includes(k)) : keys.filter((k) => k !== field);
      const v = getField(record, field);
      if (typeof v === 'string') {
        if (v !== '') {
          picked++;
          return v;
        }
        noteSkipped(skipped, 'empty-text', at);
        return undefined;
      }
      if (mode === 'skip') {
        noteSkipped(skipped, v === undefined ? 'no-field' : 'not-text', at);
        return undefined;
      }
      const where = `${unit} ${at}`;
      const skipHint = `or import again choosing "Malformed lines: skip them" to leave such ${unit}s out (they are counted and listed).`;
      if (v === undefined) {
        const message = picked
          ? `${fileLabel} has no "${field}" field at ${where}, though the ${unit}s before it have one. Fix that ${unit}, ${skipHint}`
          : `${fileLabel} has no "${field}" field at ${where}. ${suggestion()} Choose one of them as the text field, ${skipHint}`;
        throw new DataError('missing-field', message, { field, where, available: common ?? [] });
      }
      const type = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
      throw new DataError(
        'missing-field',
        `${fileLabel}: field "${field}" at ${where} is ${describeJsonValue(v)}, not text. ${picked ? `Fix that ${unit}, ${skipHint}` : `${suggestion()} Choose a field that holds strings, ${skipHint}`}`,
        { field, where, available: common ?? [], type },
      );
    },
    skipped: () => skipped,
    noRowsError() {
      if (picked) return undefined;
      const missing = (skipped['no-field']?.count ?? 0) + (skipped['not-text']?.count ?? 0);
      if (!missing) return undefined;
      return new DataError(
        'missing-field',
        `No ${unit} of ${fileLabel} has text in a "${field}" field (${missing} ${unit}${missing === 1 ? '' : 's'} left out). ${suggestion()} Choose one of them as the text field.`,
        { field, available: common ?? [], skipped },
      );
    },
  };
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
  const picker = createFieldPicker(field, mode, fileLabel, 'line');
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
        const t = picker.pick(record, at);
        if (t !== undefined) rows.push(t);
      }
      if (mode === 'abort' && badCount && final) throw malformedError(fileLabel, bad, badCount > bad.length);
      return mode === 'abort' && badCount ? [] : rows;
    },
    pending: () => '',
    line: () => line,
    skipped: () => (badCount ? { ...picker.skipped(), malformed: { count: badCount, lines: [...bad] } } : picker.skipped()),
    noRowsError: () => picker.noRowsError() ?? (badCount ? malformedError(fileLabel, bad, badCount > bad.length) : undefined),
  };
}
