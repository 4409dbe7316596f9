// Plain-text files: the whole file as one document, one document per blank-line-separated
// block (paragraph), or one per line.

import type { RecordParser } from './records';
import { splitLines } from './records';

export type TxtSplit = 'file' | 'paragraph' | 'line';

export function createTxtParser(split: TxtSplit, startLine = 1): RecordParser {
  let line = startLine;
  /** Lines of the document being assembled. */
  let current: string[] = [];
  let currentStart = startLine;

  const isBlank = (l: string) => l.trim() === '';

  return {
    push(text, final) {
      const rows: string[] = [];
      const lines = splitLines(text);
      if (split === 'file') {
        current.push(...lines);
        line += lines.length;
        if (final) {
          const doc = current.join('\n');
          current = [];
          if (!isBlank(doc)) rows.push(doc);
        }
        return rows;
      }
      for (const l of lines) {
        if (split === 'line') {
          if (!isBlank(l)) rows.push(l);
          line++;
          currentStart = line;
          continue;
        }
        if (isBlank(l)) {
          if (current.length) rows.push(current.join('\n'));
          current = [];
          line++;
          currentStart = line;
        } else {
          if (!current.length) currentStart = line;
          current.push(l);
          line++;
        }
      }
      if (final && current.length) {
        rows.push(current.join('\n'));
        current = [];
        currentStart = line;
      }
      return rows;
    },
    pending: () => (current.length ? current.join('\n') + '\n' : ''),
    line: () => (current.length ? currentStart : line),
  };
}
