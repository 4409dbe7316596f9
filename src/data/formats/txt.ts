// Plain-text files: the whole file as one document, one document per blank-line-separated
// block (paragraph), or one per line. A document held back for the next block is remembered with its
// lines as they were in the file (CRLF included), so the resume cursor counts its exact bytes.

import type { RecordParser } from './records';

export type TxtSplit = 'file' | 'paragraph' | 'line';

export function createTxtParser(split: TxtSplit, startLine = 1): RecordParser {
  let line = startLine;
  /** Lines of the document being assembled, and the same lines as in the file (with any '\r'). */
  let current: string[] = [];
  let currentRaw: string[] = [];
  let currentStart = startLine;

  const isBlank = (l: string) => l.trim() === '';

  return {
    push(text, final) {
      const rows: string[] = [];
      const raws = text.split('\n');
      if (raws[raws.length - 1] === '') raws.pop();
      const lines = raws.map((r) => (r.charCodeAt(r.length - 1) === 13 ? r.slice(0, -1) : r));
      if (split === 'file') {
        current.push(...lines);
        currentRaw.push(...raws);
        line += lines.length;
        if (final) {
          const doc = current.join('\n');
          current = [];
          currentRaw = [];
          if (!isBlank(doc)) rows.push(doc);
        }
        return rows;
      }
      for (const [i, l] of lines.entries()) {
        if (split === 'line') {
          if (!isBlank(l)) rows.push(l);
          line++;
          currentStart = line;
          continue;
        }
        if (isBlank(l)) {
          if (current.length) rows.push(current.join('\n'));
          current = [];
          currentRaw = [];
          line++;
          currentStart = line;
        } else {
          if (!current.length) currentStart = line;
          current.push(l);
          currentRaw.push(raws[i]);
          line++;
        }
      }
      if (final && current.length) {
        rows.push(current.join('\n'));
        current = [];
        currentRaw = [];
        currentStart = line;
      }
      return rows;
    },
    pending: () => (currentRaw.length ? currentRaw.join('\n') + '\n' : ''),
    line: () => (current.length ? currentStart : line),
  };
}
