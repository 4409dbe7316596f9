// Builds a small GPT-2-style byte-level BPE tokenizer.json by training merges on a given corpus:
// the built-in tokenizer (builtinTokenizer.ts), and tests and benches that need a real one offline.

const SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's byte → printable character table. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const table: string[] = new Array(256);
  bs.forEach((b, i) => (table[b] = String.fromCharCode(cs[i])));
  return table;
}

export interface ByteLevelBpe {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

export const END_OF_TEXT = '<|endoftext|>';

/** Trains `nMerges` merges greedily (most frequent pair, ties by string order) over `corpus`. */
export function buildByteLevelBpe(corpus: string[], nMerges = 200): ByteLevelBpe {
  const table = bytesToUnicode();
  const enc = new TextEncoder();
  // 1. Word frequencies over byte-level pieces.
  const words = new Map<string, number>();
  for (const text of corpus) {
    for (const m of text.matchAll(SPLIT)) {
      const w = Array.from(enc.encode(m[0]), (b) => table[b]).join('');
      words.set(w, (words.get(w) ?? 0) + 1);
    }
  }
  let split = [...words].map(([w, c]) => ({ parts: [...w], count: c }));
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[table[b]] = b;
  const merges: string[] = [];
  // 2. Repeatedly merge the most frequent adjacent pair.
  for (let k = 0; k < nMerges; k++) {
    const pairs = new Map<string, number>();
    for (const { parts, count } of split) {
      for (let i = 0; i + 1 < parts.length; i++) {
        const key = `${parts[i]} ${parts[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    let best: string | undefined;
    let bestCount = 1;
    for (const [key, c] of pairs) if (c > bestCount || (c === bestCount && best !== undefined && key < best)) [best, bestCount] = [key, c];
    if (!best) break;
    const [a, b] = best.split(' ');
    merges.push(best);
    vocab[a + b] = 256 + k;
    split = split.map(({ parts, count }) => {
      const out: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === a && parts[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(parts[i]);
      }
      return { parts: out, count };
    });
  }
  const eotId = 256 + merges.length;
  vocab[END_OF_TEXT] = eotId;
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [
        { id: eotId, content: END_OF_TEXT, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      ],
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: { ...byteLevel, trim_offsets: false },
      decoder: byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        vocab,
        merges,
      },
    },
    tokenizerConfig: { bos_token: END_OF_TEXT, eos_token: END_OF_TEXT, unk_token: END_OF_TEXT, model_max_length: 1024 },
  };
}
