// Token sources for extraction: pasted text (tokenized with the model's own tokenizer and cut into
// contexts) and a stored dataset tokenization (tokenChunks rows, read one verified row at a time).
// Each token's docId is the index of its context in the source, so features can find it again.
import type { TokenSource } from '../../lm/extract';
import type { LmTokenizer } from '../../lm/tokenizer';
import { sha256Hex } from '../../storage/chunks';
import type { LanternDb, TokenizationRecord } from '../../storage/db';
import { IntegrityError } from '../../storage/errors';
import { JobError } from '../types';

export type SizedTokenSource = TokenSource & { contextSize: number };

function withContextIds(tokens: Int32Array, start: number, contextSize: number): { tokens: Int32Array; docIds: Int32Array } {
  const docIds = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) docIds[i] = start + Math.floor(i / contextSize);
  return { tokens, docIds };
}

/**
 * Pasted text as contexts of `contextSize` tokens (fewer when the whole text is shorter); the
 * tokens after the last full context are dropped, as SAELens drops a partial batch.
 */
export function textSource(text: string, tokenizer: LmTokenizer, contextSize: number): SizedTokenSource {
  const ids = tokenizer.encode(text);
  if (!ids.length) throw new JobError('empty-text', 'The text has no tokens; paste some text to extract from.', {});
  const ctx = Math.min(contextSize, ids.length);
  const all = Int32Array.from(ids);
  return {
    contextSize: ctx,
    numSequences: Math.floor(ids.length / ctx),
    read: async (start, count) => withContextIds(all.slice(start * ctx, (start + count) * ctx), start, ctx),
  };
}

/** The windows of a ready tokenization, [sequences, contextSize], checked against the model's vocabulary. */
export async function tokenizationSource(db: LanternDb, tokenizationId: string, vocabSize: number): Promise<SizedTokenSource> {
  const record: TokenizationRecord | undefined = await db.tokenizations.get(tokenizationId);
  if (!record || record.status !== 'ready') {
    throw new JobError('tokenization-not-ready', 'The tokenization is not ready (still running, or deleted).', { tokenizationId });
  }
  const ctx = record.contextSize;
  const width = record.dtype === 'uint32' ? 4 : 2;
  // 1. Index: the first sequence of every chunk row.
  const firsts: number[] = [];
  let total = 0;
  await db.tokenChunks
    .where('ownerId')
    .equals(tokenizationId)
    .each((row) => {
      firsts[row.index] = total;
      total += row.byteLength / (width * ctx);
    });
  let cached: { index: number; tokens: Uint16Array | Uint32Array } | undefined;
  const rowTokens = async (index: number) => {
    if (cached?.index === index) return cached.tokens;
    const row = await db.tokenChunks.get([tokenizationId, index]);
    if (!row || (await sha256Hex(row.bytes)) !== row.sha256) {
      throw new IntegrityError(`Token chunk ${index} of ${tokenizationId} is ${row ? 'corrupted (SHA-256 mismatch)' : 'missing'}.`, {
        ownerId: tokenizationId,
        table: 'tokenChunks',
        index,
      });
    }
    cached = { index, tokens: width === 4 ? new Uint32Array(row.bytes) : new Uint16Array(row.bytes) };
    return cached.tokens;
  };
  return {
    contextSize: ctx,
    numSequences: total,
    // 2. A read spans as many rows as it needs.
    async read(start, count) {
      const out = new Int32Array(count * ctx);
      let seq = start;
      while (seq < start + count) {
        let index = firsts.length - 1;
        while (firsts[index] > seq) index--;
        const tokens = await rowTokens(index);
        const inRow = Math.min(start + count, firsts[index] + tokens.length / ctx) - seq;
        out.set(tokens.subarray((seq - firsts[index]) * ctx, (seq - firsts[index] + inRow) * ctx), (seq - start) * ctx);
        seq += inRow;
      }
      const bad = out.find((t) => t >= vocabSize);
      if (bad !== undefined) {
        throw new JobError('vocab-mismatch', `Token id ${bad} is outside the model's vocabulary of ${vocabSize}: tokenize the dataset with this model's tokenizer.`, {
          tokenId: bad,
          vocabSize,
        });
      }
      return withContextIds(out, start, ctx);
    },
  };
}
