// The automatic label of a latent, computed without any language model: the tokens that dominate
// its top contexts (where it fires) and its top logit tokens (what it promotes).
import { visibleToken } from './tokens';
import type { FeatureExample, LogitEntry } from './types';

/** Display texts of the activating tokens, most frequent first (ties: first seen), with counts. */
export function dominantTokens(top: FeatureExample[], vocab: string[]): { text: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const ex of top) {
    const text = vocab[ex.tokens[ex.position - ex.start]] ?? '';
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts.entries()].map(([text, count]) => ({ text, count })).sort((a, b) => b.count - a.count);
}

const quote = (t: string) => `“${visibleToken(t.trim() || t)}”`;

/**
 * `“fox” → “jumps”`: the activating tokens covering at least half of the top contexts (at most
 * three), then the top two logit tokens. Empty for a latent that never fired.
 */
export function autoLabel(top: FeatureExample[], logits: LogitEntry[], vocab: string[]): string {
  if (!top.length) return '';
  const dominant = dominantTokens(top, vocab);
  const fires: string[] = [];
  let covered = 0;
  for (const d of dominant) {
    if (fires.length === 3 || covered * 2 >= top.length) break;
    fires.push(quote(d.text));
    covered += d.count;
  }
  const promotes = logits.slice(0, 2).map((l) => quote(vocab[l.token] ?? ''));
  return `${fires.join(' ')}${covered * 2 < top.length ? ' …' : ''} → ${promotes.join(' ')}`;
}
