// Long samples are shown clamped (a window of characters and lines, around the first search match)
// with "show more", so one 100k-character row does not make the sample browser thousands of pixels tall.

export const CLAMP_CHARS = 600;
export const CLAMP_LINES = 8;

export interface ClampedSample {
  text: string;
  /** Match spans inside `text`. */
  spans?: [number, number][];
  /** Text was cut before / after the window. */
  before: boolean;
  after: boolean;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** The window of `text` to show: all of it when short, otherwise `chars` characters and `lines` lines from near the first match. */
export function clampSample(text: string, spans?: [number, number][], chars = CLAMP_CHARS, lines = CLAMP_LINES): ClampedSample {
  const newlines = text.split('\n').length - 1;
  if (text.length <= chars && newlines < lines) return { text, spans, before: false, after: false };
  const first = spans?.[0]?.[0] ?? 0;
  let start = first > chars / 2 ? Math.min(first - Math.floor(chars / 4), text.length - chars) : 0;
  start = Math.max(0, start);
  if (start > 0) {
    // Start on a line when one begins shortly before, and never inside a surrogate pair.
    const lineStart = text.lastIndexOf('\n', start) + 1;
    if (lineStart > 0 && start - lineStart < chars / 4) start = lineStart;
    if (isLowSurrogate(text.charCodeAt(start))) start--;
  }
  let end = Math.min(text.length, start + chars);
  let at = start;
  for (let n = 0; n < lines; n++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0 || nl >= end) break;
    at = nl + 1;
    if (n === lines - 1) end = nl;
  }
  if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end++;
  const shown = spans?.filter(([s, e]) => s < end && e > start).map(([s, e]): [number, number] => [Math.max(s, start) - start, Math.min(e, end) - start]);
  return { text: text.slice(start, end), spans: shown, before: start > 0, after: end < text.length };
}
