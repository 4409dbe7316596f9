// The pretokenizer: rows → normalised text → token ids → SAELens-packed windows → compact chunks
// of `sequencesPerChunk` windows. Step-wise with saveable state, so a job can persist each chunk
// with the state that follows it and resume after a reload. Options mirror SAELens's
// PretokenizeRunnerConfig (camelCased); `toSaeLensMetadata` gives the snake_case original.

import { DataError } from './errors';
import { DEFAULT_NORMALIZE, normalizeText, type NormalizeOptions } from './normalize';
import { SequencePacker, type PackerState } from './pack';
import { createProgressTracker } from './progress';
import type { TextTokenizer } from './tokenizer';
import type { StepOptions } from './types';

/** A token id, or the tokenizer's own BOS/EOS/SEP (SAELens's `int | "bos" | "eos" | "sep" | None`). */
export type SpecialTokenRef = number | 'bos' | 'eos' | 'sep' | null;

export interface PretokenizeConfig {
  contextSize: number;
  beginBatchToken: SpecialTokenRef;
  beginSequenceToken: SpecialTokenRef;
  sequenceSeparatorToken: SpecialTokenRef;
  disableConcatSequences: boolean;
  /**
   * SAELens's `exclude_special_tokens`: true = every special id, or a list of ids. Packing keeps
   * these tokens; activation extraction drops their positions (see `keepMask`).
   */
  excludeSpecialTokens: boolean | number[];
  /** Run the tokenizer's post-processor (HF `encode` default; adds BOS for Llama-style tokenizers). */
  addSpecialTokens: boolean;
  normalize: NormalizeOptions;
  /** Windows per stored chunk. */
  sequencesPerChunk: number;
}

/** SAELens defaults (context 128, BOS at every window start and between documents). */
export const DEFAULT_PRETOKENIZE_CONFIG: PretokenizeConfig = {
  contextSize: 128,
  beginBatchToken: 'bos',
  beginSequenceToken: null,
  sequenceSeparatorToken: 'bos',
  disableConcatSequences: false,
  excludeSpecialTokens: false,
  addSpecialTokens: true,
  normalize: DEFAULT_NORMALIZE,
  sequencesPerChunk: 1024,
};

type BosOptions = Pick<PretokenizeConfig, 'beginBatchToken' | 'beginSequenceToken' | 'sequenceSeparatorToken' | 'addSpecialTokens'>;

/**
 * SAELens's `prepend_bos` as packing options. Its ActivationsStore tokenizes each document without
 * the tokenizer's own special tokens (`to_tokens(..., prepend_bos=False)`), then packs with
 * `begin_batch_token_id` and `sequence_separator_token_id` = BOS when prepend_bos is True, or none.
 */
export function prependBosOptions(prependBos: boolean): BosOptions {
  const bos = prependBos ? 'bos' : null;
  return { beginBatchToken: bos, beginSequenceToken: null, sequenceSeparatorToken: bos, addSpecialTokens: false };
}

/** The `prepend_bos` these options are, or undefined when they are a combination SAELens's training does not make. */
export function prependBosOf(cfg: BosOptions): boolean | undefined {
  const same = (o: BosOptions) =>
    o.beginBatchToken === cfg.beginBatchToken && o.beginSequenceToken === cfg.beginSequenceToken && o.sequenceSeparatorToken === cfg.sequenceSeparatorToken && o.addSpecialTokens === cfg.addSpecialTokens;
  if (same(prependBosOptions(true))) return true;
  if (same(prependBosOptions(false))) return false;
  return undefined;
}

export type TokenArray = Uint16Array | Uint32Array;

/** Uint16 when every id fits (vocab ≤ 65536), else Uint32. */
export function tokenArrayFor(vocabSize: number, length: number): TokenArray {
  return vocabSize <= 65536 ? new Uint16Array(length) : new Uint32Array(length);
}

export function resolveSpecialToken(ref: SpecialTokenRef, tokenizer: TextTokenizer, option: string): number | null {
  if (ref === null || typeof ref === 'number') return ref;
  const id = tokenizer.special[ref];
  if (id === undefined) {
    throw new DataError(
      'invalid-config',
      `${option} is "${ref}", but this tokenizer has no ${ref.toUpperCase()} token. Choose a token id or leave the option empty.`,
      { option, ref },
    );
  }
  return id;
}

/** The ids SAELens would exclude for `excludeSpecialTokens`, sorted. */
export function resolveExcludedTokenIds(option: boolean | number[], tokenizer: TextTokenizer): number[] {
  if (option === false) return [];
  return option === true ? [...tokenizer.allSpecialIds] : [...new Set(option)].sort((a, b) => a - b);
}

/** 1 where a position's token is kept for activations, 0 where it is excluded. */
export function keepMask(tokens: ArrayLike<number>, excludedIds: readonly number[]): Uint8Array {
  const excluded = new Set(excludedIds);
  const mask = new Uint8Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) mask[i] = excluded.has(tokens[i]) ? 0 : 1;
  return mask;
}

/**
 * Identity of one tokenization of a raw dataset: the same rows tokenized by another tokenizer or
 * with other options is another tokenization, stored beside the first.
 */
export function tokenizationKey(tokenizerId: string, cfg: PretokenizeConfig): string {
  const { sequencesPerChunk: _layoutOnly, ...semantic } = cfg;
  const sorted = (v: unknown): unknown =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
      : v;
  return `${tokenizerId}|${JSON.stringify(sorted(semantic))}`;
}

/** The same options in SAELens's `sae_lens.json` metadata spelling. */
export function toSaeLensMetadata(cfg: PretokenizeConfig, tokenizerName: string, originalDataset: string) {
  return {
    tokenizer_name: tokenizerName,
    original_dataset: originalDataset,
    context_size: cfg.contextSize,
    begin_batch_token: cfg.beginBatchToken,
    begin_sequence_token: cfg.beginSequenceToken,
    sequence_separator_token: cfg.sequenceSeparatorToken,
    disable_concat_sequences: cfg.disableConcatSequences,
    exclude_special_tokens: cfg.excludeSpecialTokens,
  };
}

export interface TokenChunk {
  index: number;
  nSeq: number;
  contextSize: number;
  /** [nSeq, contextSize] row-major token ids. */
  tokens: TokenArray;
}

/** Everything needed to continue where a step ended. */
export interface PretokenizeState {
  rowsConsumed: number;
  chunksEmitted: number;
  sequences: number;
  /** Tokens produced by the tokenizer (before packing). */
  documentTokens: number;
  packer: PackerState;
  /** Windows finished but not yet in a chunk: [n, contextSize]. */
  pendingWindows: number[];
}

export interface PretokenizeStep {
  chunks: TokenChunk[];
  /** Token count of each row of this step, in order (for statistics). */
  docLengths: Uint32Array;
  state: PretokenizeState;
}

export class Pretokenizer {
  readonly excludedTokenIds: number[];
  private readonly packer: SequencePacker;
  private st: PretokenizeState;

  constructor(
    private readonly tokenizer: TextTokenizer,
    private readonly cfg: PretokenizeConfig,
    state?: PretokenizeState,
  ) {
    if (!Number.isInteger(cfg.sequencesPerChunk) || cfg.sequencesPerChunk < 1) {
      throw new DataError('invalid-config', `sequencesPerChunk must be a positive integer (got ${cfg.sequencesPerChunk}).`, {});
    }
    this.packer = new SequencePacker(
      {
        contextSize: cfg.contextSize,
        beginBatchTokenId: resolveSpecialToken(cfg.beginBatchToken, tokenizer, 'begin_batch_token'),
        beginSequenceTokenId: resolveSpecialToken(cfg.beginSequenceToken, tokenizer, 'begin_sequence_token'),
        sequenceSeparatorTokenId: resolveSpecialToken(cfg.sequenceSeparatorToken, tokenizer, 'sequence_separator_token'),
        disableConcatSequences: cfg.disableConcatSequences,
      },
      state?.packer,
    );
    this.excludedTokenIds = resolveExcludedTokenIds(cfg.excludeSpecialTokens, tokenizer);
    this.st = state
      ? { ...state, pendingWindows: [...state.pendingWindows] }
      : { rowsConsumed: 0, chunksEmitted: 0, sequences: 0, documentTokens: 0, packer: { batch: null }, pendingWindows: [] };
  }

  /** Tokenizes and packs `rows`; returns the chunks they completed. */
  push(rows: readonly string[]): PretokenizeStep {
    const chunks: TokenChunk[] = [];
    const docLengths = new Uint32Array(rows.length);
    const C = this.cfg.contextSize;
    const perChunk = this.cfg.sequencesPerChunk * C;
    rows.forEach((row, i) => {
      const ids = this.tokenizer.encode(normalizeText(row, this.cfg.normalize), this.cfg.addSpecialTokens);
      docLengths[i] = ids.length;
      this.st.documentTokens += ids.length;
      this.packer.push(ids, (w) => {
        const pending = this.st.pendingWindows;
        for (const t of w) pending.push(t);
        this.st.sequences++;
        if (pending.length === perChunk) chunks.push(this.takeChunk());
      });
    });
    this.st.rowsConsumed += rows.length;
    return { chunks, docLengths, state: this.state() };
  }

  /** The last chunk, partly filled, if any windows are left (the unfinished window is dropped). */
  finish(): TokenChunk | undefined {
    return this.st.pendingWindows.length ? this.takeChunk() : undefined;
  }

  state(): PretokenizeState {
    return { ...this.st, packer: this.packer.state(), pendingWindows: [...this.st.pendingWindows] };
  }

  private takeChunk(): TokenChunk {
    const pending = this.st.pendingWindows;
    const tokens = tokenArrayFor(this.tokenizer.vocabSize, pending.length);
    tokens.set(pending);
    this.st.pendingWindows = [];
    return { index: this.st.chunksEmitted++, nSeq: pending.length / this.cfg.contextSize, contextSize: this.cfg.contextSize, tokens };
  }
}

export interface PretokenizeRunOptions extends StepOptions {
  /** Rows in the whole source, for progress and ETA. */
  totalRows?: number;
  /** State saved from an earlier step; the source must then start at `resume.rowsConsumed`. */
  resume?: PretokenizeState;
}

/**
 * Runs the pretokenizer over a source of row batches, yielding a step per batch and a last step
 * holding the final partial chunk. Persist each step's chunks together with its `state`.
 */
export async function* pretokenize(
  source: AsyncIterable<readonly string[]>,
  tokenizer: TextTokenizer,
  cfg: PretokenizeConfig,
  opts: PretokenizeRunOptions = {},
): AsyncGenerator<PretokenizeStep> {
  const pre = new Pretokenizer(tokenizer, cfg, opts.resume);
  const progress = createProgressTracker('rows', opts.onProgress);
  for await (const rows of source) {
    opts.signal?.throwIfAborted();
    const step = pre.push(rows);
    progress.update(step.state.rowsConsumed, opts.totalRows);
    yield step;
  }
  const last = pre.finish();
  const state = pre.state();
  progress.update(state.rowsConsumed, opts.totalRows, true);
  yield { chunks: last ? [last] : [], docLengths: new Uint32Array(0), state };
}
