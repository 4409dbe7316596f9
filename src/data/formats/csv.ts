// CSV/TSV files per RFC 4180: quoted fields may hold delimiters, doubled quotes and line breaks;
// CRLF or LF line ends. The first record is the header; rows are the chosen column's values.
// A record that continues past the end of a block is held back and parsed again with the next one.

import { DataError } from '../errors';
import type { RecordParser } from './records';

const QUOTE = 34;
const LF = 10;
const CR = 13;

interface Parsed {
  records: string[][];
  /** Index in the text where the first unfinished record starts (= text.length when none). */
  consumed: number;
  /** Lines consumed (for line numbers in messages). */
  lines: number;
}

function stripCr(s: string): string {
  return s.charCodeAt(s.length - 1) === CR ? s.slice(0, -1) : s;
}

/**
 * Parses every complete record of `s`; an unterminated quote at the end is an error only when `final`,
 * reported with the number of line breaks in `s` before the line where that quote opened.
 */
export function parseCsvRecords(s: string, delimiter: string, final: boolean, onUnterminated: (linesBefore: number) => never): Parsed {
  const delim = delimiter.charCodeAt(0);
  const records: string[][] = [];
  const n = s.length;
  let i = 0;
  let consumedLines = 0;
  outer: while (i < n) {
    const recordStart = i;
    const fields: string[] = [];
    let lines = consumedLines;
    for (;;) {
      let value: string;
      if (s.charCodeAt(i) === QUOTE) {
        // 1. Quoted field: scan for the closing quote, unescaping "" as we go.
        const openedAt = lines;
        let j = i + 1;
        value = '';
        for (;;) {
          const q = s.indexOf('"', j);
          if (q < 0) {
            if (final) onUnterminated(openedAt);
            i = recordStart;
            break outer;
          }
          for (let k = j; k < q; k++) if (s.charCodeAt(k) === LF) lines++;
          if (s.charCodeAt(q + 1) === QUOTE) {
            value += s.slice(j, q + 1);
            j = q + 2;
            continue;
          }
          value += s.slice(j, q);
          i = q + 1;
          break;
        }
        // 2. Anything between the closing quote and the delimiter is kept (lenient, like most readers).
        let k = i;
        while (k < n && s.charCodeAt(k) !== delim && s.charCodeAt(k) !== LF) k++;
        value += stripCr(s.slice(i, k));
        i = k;
      } else {
        let k = i;
        while (k < n && s.charCodeAt(k) !== delim && s.charCodeAt(k) !== LF) k++;
        value = stripCr(s.slice(i, k));
        i = k;
      }
      fields.push(value);
      if (i >= n) {
        if (!final) {
          i = recordStart;
          break outer;
        }
        records.push(fields);
        consumedLines = lines + 1;
        break outer;
      }
      if (s.charCodeAt(i) === delim) {
        i++;
        if (i >= n && final) {
          fields.push('');
          records.push(fields);
          consumedLines = lines + 1;
          break outer;
        }
        continue;
      }
      i++;
      lines++;
      consumedLines = lines;
      records.push(fields);
      continue outer;
    }
  }
  return { records, consumed: i, lines: consumedLines };
}

export interface CsvOptions {
  column: string;
  delimiter: ',' | '\t';
  fileLabel: string;
  /** Known header when resuming past the first record. */
  header?: string[];
  startLine?: number;
}

export function createCsvParser({ column, delimiter, fileLabel, header: knownHeader, startLine = 1 }: CsvOptions): RecordParser {
  let header = knownHeader;
  let colIndex = header ? header.indexOf(column) : -1;
  let held = '';
  let line = startLine;
  let recordNo = header ? 1 : 0;

  const fail = (code: 'malformed-csv' | 'missing-field', message: string, details: Record<string, unknown>): never => {
    throw new DataError(code, message, details);
  };

  return {
    push(text, final) {
      const s = held ? held + text : text;
      const parsed = parseCsvRecords(s, delimiter, final, (linesBefore) =>
        fail(
          'malformed-csv',
          `${fileLabel}: a quoted field opened on line ${line + linesBefore} is never closed. Close the quote (double any quote inside a field) and import again.`,
          { line: line + linesBefore },
        ),
      );
      held = s.slice(parsed.consumed);
      const rows: string[] = [];
      for (const rec of parsed.records) {
        recordNo++;
        if (rec.length === 1 && rec[0] === '') continue;
        if (!header) {
          header = rec;
          colIndex = header.indexOf(column);
          if (colIndex < 0) {
            fail(
              'missing-field',
              `${fileLabel} has no column "${column}". Columns: ${header.join(', ')}. Choose one of them as the text column.`,
              { field: column, available: header },
            );
          }
          continue;
        }
        if (rec.length <= colIndex) {
          fail(
            'malformed-csv',
            `${fileLabel}: record ${recordNo} has ${rec.length} field${rec.length === 1 ? '' : 's'}, but column "${column}" is field ${colIndex + 1}. Check the delimiter and quoting.`,
            { record: recordNo, fields: rec.length, column },
          );
        }
        const t = rec[colIndex];
        if (t !== '') rows.push(t);
      }
      line += parsed.lines;
      return rows;
    },
    pending: () => held,
    line: () => line,
    header: () => header,
  };
}
