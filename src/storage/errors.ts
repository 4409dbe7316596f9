// Typed storage errors: what failed, where, and what the user can do about it.

export class StorageError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export class StorageQuotaError extends StorageError {
  /** `largest`: what holds the most space, biggest first, e.g. 'dataset "wiki" (12 MB)' (see quota.ts). */
  constructor(details: Record<string, unknown> = {}, largest: string[] = []) {
    super(
      'quota-exceeded',
      `Browser storage is full, so nothing of this step was saved (everything stored before is intact). Free space by deleting ${
        largest.length ? `what takes the most: ${largest.join(', ')}` : 'datasets, activation sets or checkpoints'
      } on the Storage page, or request persistent storage there; then resume.`,
      { ...details, largest },
    );
    this.name = 'StorageQuotaError';
  }
}

export class IntegrityError extends StorageError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('integrity', message, details);
    this.name = 'IntegrityError';
  }
}

/** True for the browser's QuotaExceededError (also wrapped by Dexie, e.g. as an AbortError's inner) and for StorageQuotaError. */
export function isQuotaError(e: unknown): boolean {
  for (let cur = e as { name?: string; inner?: unknown } | undefined; cur; cur = cur.inner as typeof cur) {
    if (cur.name === 'QuotaExceededError' || cur instanceof StorageQuotaError) return true;
  }
  return false;
}

/** Runs a write; a quota failure becomes StorageQuotaError (the transaction has rolled back). */
export async function guardWrite<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isQuotaError(e)) throw new StorageQuotaError({ while: what });
    throw e;
  }
}

/**
 * A Storage import that was refused or rolled back. The message says what was wrong and where
 * (details: table, row (1-based), key, field) and always ends by saying that nothing changed.
 */
export class ImportError extends StorageError {
  constructor(code: 'import-invalid' | 'import-empty' | 'import-failed' | 'import-conflict', message: string, details: Record<string, unknown> = {}) {
    super(code, `${message} Nothing was changed.`, details);
    this.name = 'ImportError';
  }
}
