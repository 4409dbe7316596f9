// The contract every job kind implements, and the typed error jobs fail with.
import type { ErrorInfo, JobPriority, LanternDb } from '../storage/db';

export class JobError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'JobError';
  }
}

/** A thrown value as `{code, message, details}` for storage and the UI. */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e && typeof e === 'object' && 'message' in e) {
    const err = e as { code?: unknown; message: unknown; details?: unknown; name?: unknown };
    return {
      code: typeof err.code === 'string' ? err.code : typeof err.name === 'string' ? err.name : 'error',
      message: String(err.message),
      details: err.details && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : undefined,
    };
  }
  return { code: 'error', message: String(e) };
}

export interface JobContext {
  db: LanternDb;
  jobId: string;
  /** The current device; throws JobError('webgpu-unavailable') when there is none. */
  device(): GPUDevice;
  /** Adapter name for results ("swiftshader", "nvidia", …). */
  adapterName(): string;
}

export interface StepResult<S> {
  state: S;
  /** 0..1 after this step. */
  progress: number;
  done: boolean;
  message?: string;
}

/**
 * A kind of job, run one step at a time by the queue. After every step the queue saves
 * `state` in the job record, so a kind can resume from any step boundary after a reload.
 */
export interface JobKind<P = unknown, S = unknown> {
  kind: string;
  /** Resume by itself when found `running` at start-up (otherwise shown interrupted). */
  autoResume: boolean;
  /** What the job works on, named ("Tokenize demo corpus · Built-in demo BPE (context 128)"); may read the database. */
  title(params: P, db: LanternDb): string | Promise<string>;
  /** Throws JobError naming the bad field. */
  validate(params: unknown): P;
  /** Initial state for a fresh (or retried) job. */
  start(params: P, ctx: JobContext): Promise<S>;
  step(state: S, params: P, ctx: JobContext): Promise<StepResult<S>>;
  /** Persists what the state cannot hold (weights, buffers) before a pause or stop; returns the updated state. */
  checkpoint?(state: S, params: P, ctx: JobContext): Promise<S>;
  /** Writes results once done (or stopped early); returns the id of what it produced. */
  finish(state: S, params: P, ctx: JobContext, stopped: boolean): Promise<string | undefined>;
  /** Frees in-memory resources (GPU buffers) whenever the job stops running, for any reason. */
  release?(jobId: string): void;
}

export interface EnqueueRequest {
  kind: string;
  params: unknown;
  priority?: JobPriority;
}

export type JobEvent =
  | { type: 'job-started'; jobId: string; title: string; resumed: boolean }
  | { type: 'job-finished'; jobId: string; title: string; stopped: boolean }
  | { type: 'job-failed'; jobId: string; title: string; error: ErrorInfo }
  /** `reason`: why the queue paused it by itself (storage full); absent when the user paused it. */
  | { type: 'job-paused'; jobId: string; title: string; reason?: string }
  | { type: 'job-cancelled'; jobId: string; title: string }
  | { type: 'device-lost'; reason: string }
  | { type: 'device-restored'; adapter: string }
  /** This tab's worker now holds the queue (at start, or handed over when the holding tab closed). */
  | { type: 'queue-owner' };
