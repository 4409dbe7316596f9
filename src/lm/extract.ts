// Activation extraction as a step-wise, resumable job: each `step()` runs one batch of token
// contexts through a hooked session and hands one chunk to the sink. The state is plain JSON,
// so a job queue can persist it and resume after a reload. No storage imports here.
import { LmError } from './errors';
import { halfToFloat } from './half';
import type { LmSession, ort } from './session';

export interface ActivationChunk {
  /** [nTok, dModel] row-major f32 */
  activations: Float32Array;
  /** [nTok] */
  tokenIds: Int32Array;
  /** [nTok] position within its context */
  positions: Int32Array;
  /** [nTok] source document of each token, when the source knows it */
  docIds?: Int32Array;
}

export interface ChunkMeta {
  model: string;
  revision: string;
  hook: string;
  layer: number;
  contextSize: number;
  dModel: number;
  /** Activations are always delivered as f32; this is the model's own residual type. */
  dtype: 'float32' | 'float16';
  chunkIndex: number;
  /** Index of the first context in this chunk. */
  firstSequence: number;
  nTok: number;
}

/** Packed token contexts, e.g. a tokenized dataset. */
export interface TokenSource {
  numSequences: number;
  /** Contexts [start, start+count): tokens [count, contextSize], optional docIds per token. */
  read(start: number, count: number): Promise<{ tokens: Int32Array; docIds?: Int32Array }>;
}

export interface ExtractionConfig {
  model: string;
  revision: string;
  /** TransformerLens name, e.g. blocks.1.hook_resid_post; the session must expose it. */
  hook: string;
  contextSize: number;
  /** Contexts per forward pass (one chunk per step). */
  batchSize: number;
  dModel: number;
  /** Drop positions below this (1 drops a leading BOS). Default 0. */
  skipPositions?: number;
  /** Drop tokens with these ids (special tokens). */
  excludeTokenIds?: number[];
  /** Stop after this many contexts (default: all of the source). */
  maxSequences?: number;
}

/** Serialisable progress: everything needed to resume. */
export interface ExtractorState {
  nextSequence: number;
  chunkIndex: number;
  tokensEmitted: number;
}

export type ChunkSink = (chunk: ActivationChunk, meta: ChunkMeta) => Promise<void> | void;

export function tensorToFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') return Float32Array.from(t.data as Uint16Array, halfToFloat);
  throw new LmError('BAD_INPUT', `Expected a float tensor, got ${t.type}`, { type: t.type });
}

export class Extractor {
  private st: ExtractorState;
  private readonly layer: number;

  constructor(
    private readonly session: LmSession,
    private readonly source: TokenSource,
    private readonly cfg: ExtractionConfig,
    private readonly sink: ChunkSink,
    state?: ExtractorState,
  ) {
    if (!session.signature.outputs.includes(cfg.hook)) {
      throw new LmError('BAD_INPUT', `The session does not expose ${cfg.hook}; hook the model with expose: ['${cfg.hook}']`, {
        hook: cfg.hook,
        outputs: session.signature.outputs,
      });
    }
    this.layer = Number(/^blocks\.(\d+)\./.exec(cfg.hook)?.[1] ?? 0);
    this.st = state ? { ...state } : { nextSequence: 0, chunkIndex: 0, tokensEmitted: 0 };
  }

  get state(): ExtractorState {
    return { ...this.st };
  }

  get totalSequences(): number {
    return Math.min(this.source.numSequences, this.cfg.maxSequences ?? Infinity);
  }

  get done(): boolean {
    return this.st.nextSequence >= this.totalSequences;
  }

  /**
   * One batch: 1. read contexts, 2. forward, 3. keep the rows not skipped or excluded,
   * 4. hand the chunk to the sink, 5. advance the state only once the sink has accepted it.
   * Returns false when there was nothing left to do.
   */
  async step(): Promise<boolean> {
    if (this.done) return false;
    const { contextSize: ctx, dModel: d } = this.cfg;
    const start = this.st.nextSequence;
    const count = Math.min(this.cfg.batchSize, this.totalSequences - start);
    const { tokens, docIds } = await this.source.read(start, count);
    if (tokens.length !== count * ctx) {
      throw new LmError('BAD_INPUT', `Token source returned ${tokens.length} tokens for ${count} contexts of ${ctx}`, { start, count });
    }
    const out = await this.session.forward({ inputIds: tokens, batch: count });
    const acts = tensorToFloat32(out[this.cfg.hook]);
    const skip = this.cfg.skipPositions ?? 0;
    const exclude = new Set(this.cfg.excludeTokenIds ?? []);
    const keep: number[] = [];
    for (let i = 0; i < tokens.length; i++) if (i % ctx >= skip && !exclude.has(tokens[i])) keep.push(i);
    const chunk: ActivationChunk = {
      activations: new Float32Array(keep.length * d),
      tokenIds: new Int32Array(keep.length),
      positions: new Int32Array(keep.length),
      docIds: docIds ? new Int32Array(keep.length) : undefined,
    };
    keep.forEach((i, r) => {
      chunk.activations.set(acts.subarray(i * d, (i + 1) * d), r * d);
      chunk.tokenIds[r] = tokens[i];
      chunk.positions[r] = i % ctx;
      if (docIds) chunk.docIds![r] = docIds[i];
    });
    const meta: ChunkMeta = {
      model: this.cfg.model,
      revision: this.cfg.revision,
      hook: this.cfg.hook,
      layer: this.layer,
      contextSize: ctx,
      dModel: d,
      dtype: this.session.signature.dtype,
      chunkIndex: this.st.chunkIndex,
      firstSequence: start,
      nTok: keep.length,
    };
    await this.sink(chunk, meta);
    this.st = { nextSequence: start + count, chunkIndex: this.st.chunkIndex + 1, tokensEmitted: this.st.tokensEmitted + keep.length };
    return true;
  }

  /** Steps until done or aborted (the current batch always finishes). */
  async run(signal?: AbortSignal): Promise<void> {
    while (!signal?.aborted && (await this.step()));
  }
}
