// Packs token sequences into fixed windows of `contextSize`, exactly as SAELens's
// `concat_and_batch_sequences` (sae_lens/tokenization_and_batching.py) does, one document at a time
// with state that can be saved and restored between steps.
//
// Concatenating mode, per document (1..3 repeat while the document has tokens left):
//   1. at the start of a document, `beginSequenceTokenId` is prefixed unless the document already
//      starts with it;
//   2. a new window starts with `beginBatchTokenId` unless the next token already is it; a window
//      continued by a new document gets `sequenceSeparatorTokenId` first (again unless the next
//      token is it), prefix tokens are cut where the window is full;
//   3. a full window is emitted; the document's remaining tokens go on into the next window.
// A final partial window is never emitted (SAELens drops it too).
//
// With `disableConcatSequences`, each document gives at most one window: its first contextSize
// tokens (BOS-prefixed when the begin token is set and absent); shorter documents are dropped.

import { DataError } from './errors';

export interface PackOptions {
  contextSize: number;
  beginBatchTokenId: number | null;
  beginSequenceTokenId: number | null;
  sequenceSeparatorTokenId: number | null;
  disableConcatSequences: boolean;
}

/** The window being filled (shorter than contextSize), or null between windows. */
export interface PackerState {
  batch: number[] | null;
}

export class SequencePacker {
  private batch: number[] | null;

  constructor(
    private readonly opts: PackOptions,
    state?: PackerState,
  ) {
    if (!Number.isInteger(opts.contextSize) || opts.contextSize < 2) {
      throw new DataError('invalid-config', `context size must be an integer ≥ 2 (got ${opts.contextSize}).`, {
        contextSize: opts.contextSize,
      });
    }
    this.batch = state?.batch ? [...state.batch] : null;
  }

  state(): PackerState {
    return { batch: this.batch ? [...this.batch] : null };
  }

  /** Adds one document's tokens; `emit` receives every window completed (length contextSize). */
  push(tokens: ArrayLike<number>, emit: (window: number[]) => void): void {
    if (this.opts.disableConcatSequences) {
      this.pushUnconcatenated(tokens, emit);
      return;
    }
    const C = this.opts.contextSize;
    let offset = 0;
    let isStart = true;
    while (tokens.length - offset > 0) {
      offset = this.addTokens(tokens, offset, isStart);
      isStart = false;
      if (this.batch!.length === C) {
        emit(this.batch!);
        this.batch = null;
      }
    }
  }

  /** SAELens `_add_tokens_to_batch`: returns the new offset into `tokens`. */
  private addTokens(tokens: ArrayLike<number>, offset: number, isStart: boolean): number {
    const { contextSize: C, beginBatchTokenId, beginSequenceTokenId, sequenceSeparatorTokenId } = this.opts;
    const prefix: number[] = [];
    let first = tokens[offset];
    if (isStart && beginSequenceTokenId !== null && first !== beginSequenceTokenId) {
      prefix.unshift(beginSequenceTokenId);
      first = beginSequenceTokenId;
    }
    if (this.batch === null) {
      if (beginBatchTokenId !== null && first !== beginBatchTokenId) prefix.unshift(beginBatchTokenId);
      const needed = Math.max(C - prefix.length, 0);
      const batch = prefix.slice(0, C);
      appendRange(batch, tokens, offset, offset + needed);
      this.batch = batch;
      return offset + needed;
    }
    if (sequenceSeparatorTokenId !== null && first !== sequenceSeparatorTokenId) prefix.unshift(sequenceSeparatorTokenId);
    const needed = Math.max(C - this.batch.length - prefix.length, 0);
    const prefixNeeded = Math.max(C - this.batch.length, 0);
    for (const t of prefix.slice(0, prefixNeeded)) this.batch.push(t);
    appendRange(this.batch, tokens, offset, offset + needed);
    return offset + needed;
  }

  private pushUnconcatenated(tokens: ArrayLike<number>, emit: (window: number[]) => void): void {
    const C = this.opts.contextSize;
    // SAELens falls back to the begin-batch token here; it tests it by truthiness, which would
    // ignore a token id of 0 (a real BOS id in some vocabularies), so we test for presence.
    const bos = this.opts.beginSequenceTokenId ?? this.opts.beginBatchTokenId;
    let seq: number[] = Array.from(tokens);
    if (bos !== null && seq[0] !== bos && seq.length >= C - 1) seq = [bos, ...seq.slice(0, C - 1)];
    if (seq.length >= C) emit(seq.slice(0, C));
  }
}

function appendRange(out: number[], src: ArrayLike<number>, from: number, to: number): void {
  const end = Math.min(to, src.length);
  for (let i = from; i < end; i++) out.push(src[i]);
}

/** Packs whole documents at once (tests, previews). */
export function packSequences(docs: Iterable<ArrayLike<number>>, opts: PackOptions): number[][] {
  const packer = new SequencePacker(opts);
  const out: number[][] = [];
  for (const d of docs) packer.push(d, (w) => out.push(w));
  return out;
}
