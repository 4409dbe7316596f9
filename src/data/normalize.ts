// Text normalisation applied to every row before tokenization (and recorded with each tokenization).

export interface NormalizeOptions {
  /** Unicode normal form; 'none' keeps the text as stored. */
  unicode: 'none' | 'NFC' | 'NFKC';
  /** Runs of whitespace become one space; line breaks become spaces too. */
  collapseWhitespace: boolean;
  /** Trim leading and trailing whitespace. */
  strip: boolean;
}

export const DEFAULT_NORMALIZE: NormalizeOptions = { unicode: 'none', collapseWhitespace: false, strip: false };

export function normalizeText(text: string, opts: NormalizeOptions): string {
  let s = opts.unicode === 'none' ? text : text.normalize(opts.unicode);
  if (opts.collapseWhitespace) s = s.replace(/\s+/g, ' ');
  if (opts.strip) s = s.trim();
  return s;
}
