// Sample clamping: short rows stay whole; long rows are cut to a window of characters and lines
// that holds the first search match, with the match spans moved into the window.
import { describe, expect, it } from 'vitest';
import { clampSample } from './clamp';

describe('clampSample', () => {
  it('leaves a short row whole', () => {
    expect(clampSample('a short row', [[2, 7]])).toEqual({ text: 'a short row', spans: [[2, 7]], before: false, after: false });
  });

  it('cuts a 100k-character row to the character limit from its start', () => {
    const c = clampSample('x'.repeat(100_000), undefined, 600, 8);
    expect(c.text).toHaveLength(600);
    expect(c).toMatchObject({ before: false, after: true });
  });

  it('cuts a row of many short lines at the line limit', () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    const c = clampSample(text, undefined, 600, 8);
    expect(c.text.split('\n')).toHaveLength(8);
    expect(c.text.split('\n').at(-1)).toBe('line 7');
    expect(c.after).toBe(true);
  });

  it('shows the window around a match deep in the row, with the span moved into it', () => {
    const text = `${'a'.repeat(50_000)}NEEDLE${'b'.repeat(50_000)}`;
    const c = clampSample(text, [[50_000, 50_006]], 600, 8);
    expect(c).toMatchObject({ before: true, after: true });
    const [[s, e]] = c.spans!;
    expect(c.text.slice(s, e)).toBe('NEEDLE');
  });

  it('never splits a surrogate pair at either edge', () => {
    const text = '😀'.repeat(1000);
    const c = clampSample(text, [[1002, 1004]], 101, 8);
    expect(c.before).toBe(true);
    expect(c.text).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    expect([...c.text].every((ch) => ch === '😀')).toBe(true);
  });
});
