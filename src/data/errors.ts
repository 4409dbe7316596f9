// Typed errors for dataset ingest and tokenization: every rejection names what went wrong,
// where (file, line, byte, column) and how to fix it, so the Datasets page can show it as is.

export type DataErrorCode =
  | 'empty-file'
  | 'binary-file'
  | 'invalid-utf8'
  | 'invalid-utf16'
  | 'malformed-jsonl'
  | 'malformed-json'
  | 'malformed-csv'
  | 'invalid-parquet'
  | 'missing-field'
  | 'file-too-large'
  | 'unsupported-format'
  | 'hub-not-found'
  | 'hub-request-failed'
  | 'invalid-tokenizer'
  | 'invalid-config'
  | 'row-too-large'
  | 'file-unavailable'
  | 'file-changed';

export class DataError extends Error {
  constructor(
    readonly code: DataErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DataError';
  }
}

/** True when `e` is a DataError, optionally with the given code. */
export function isDataError(e: unknown, code?: DataErrorCode): e is DataError {
  return e instanceof DataError && (code === undefined || e.code === code);
}
