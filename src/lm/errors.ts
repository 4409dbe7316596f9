// Typed errors of the language-model runtime: every failure carries a stable `code`, a message a
// user can act on, and `details` for logs and tests.

export type LmErrorCode =
  | 'REPO_NOT_FOUND'
  | 'FILE_NOT_FOUND'
  | 'NO_ONNX_FILE'
  | 'NETWORK'
  | 'INVALID_CONFIG'
  | 'INVALID_MODEL'
  | 'UNSUPPORTED_GRAPH'
  | 'UNKNOWN_HOOK'
  | 'LAYER_OUT_OF_RANGE'
  | 'MODEL_TOO_LARGE'
  | 'SESSION_FAILED'
  | 'BAD_INPUT'
  | 'ABORTED';

export class LmError extends Error {
  readonly code: LmErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: LmErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'LmError';
    this.code = code;
    this.details = details;
  }
}
