// Tokenization with a real tokenizer.json, packed into compact chunks exactly like packSequences,
// resumable from saved state, with SAELens's special-token options.
import { describe, expect, test } from 'vitest';
import { generateDemoCorpus } from './demoCorpus';
import { packSequences } from './pack';
import {
  DEFAULT_PRETOKENIZE_CONFIG,
  keepMask,
  prependBosOf,
  prependBosOptions,
  pretokenize,
  Pretokenizer,
  resolveExcludedTokenIds,
  tokenizationKey,
  toSaeLensMetadata,
  tokenArrayFor,
  type PretokenizeConfig,
  type TokenChunk,
} from './pretokenize';
import { buildByteLevelBpe, END_OF_TEXT } from './byteLevelBpe';
import { builtinTokenizer as demoTokenizer } from './builtinTokenizer';
import { loadTokenizer } from './tokenizer';

const rows = generateDemoCorpus({ documents: 120, seed: 7 }).map((d) => d.text);
const cfg: PretokenizeConfig = { ...DEFAULT_PRETOKENIZE_CONFIG, contextSize: 32, sequencesPerChunk: 16 };

function flatten(chunks: TokenChunk[]): number[] {
  return chunks.flatMap((c) => Array.from(c.tokens));
}

async function* batches(xs: string[], size: number) {
  for (let i = 0; i < xs.length; i += size) yield xs.slice(i, i + size);
}

describe('tokenizer', () => {
  test('a byte-level BPE tokenizer.json round-trips text and knows its special tokens', () => {
    const tok = demoTokenizer();
    const text = 'Use #12d1af for the violet accent. <p>café ✓</p>';
    expect(tok.decode(tok.encode(text))).toBe(text);
    expect(tok.special.bos).toBe(tok.special.eos);
    expect(tok.idToToken(tok.special.bos!)).toBe(END_OF_TEXT);
    expect(tok.allSpecialIds).toEqual([tok.special.bos]);
    expect(tok.vocabSize).toBe(256 + 300 + 1);
  });

  test('without a config the single special token serves as BOS and EOS', () => {
    const { tokenizerJson } = buildByteLevelBpe(['a b c'], 2);
    const tok = loadTokenizer(tokenizerJson);
    const eot = (tokenizerJson.added_tokens as { id: number }[])[0].id;
    expect(tok.special).toMatchObject({ bos: eot, eos: eot });
  });

  test('a JSON file that is not a tokenizer is rejected', () => {
    expect(() => loadTokenizer({ vocab: {} })).toThrow(expect.objectContaining({ code: 'invalid-tokenizer' }));
  });

  test('a tokenizer_config.json the library cannot load is refused, naming the field', () => {
    const { tokenizerJson } = buildByteLevelBpe(['a b c'], 2);
    const refused = (config: unknown, message: RegExp) =>
      expect(() => loadTokenizer(tokenizerJson, config)).toThrow(expect.objectContaining({ code: 'invalid-tokenizer', message: expect.stringMatching(message) }));
    refused([], /tokenizer_config\.json cannot be loaded: it must hold a JSON object/);
    refused({ bos_token: 7 }, /"bos_token" must be a string or an object with "content", not 7/);
    refused({ eos_token: { content: '</s>' } }, /"eos_token" is "<\/s>", which tokenizer\.json does not contain/);
    refused({ additional_special_tokens: '<x>' }, /"additional_special_tokens" must be a list/);
    refused({ chat_template: { text: '{{ x }}' } }, /"chat_template" must be a string or a list of \{name, template\}/);
    const eot = (tokenizerJson.added_tokens as { id: number }[])[0].id;
    expect(loadTokenizer(tokenizerJson, { bos_token: { content: END_OF_TEXT }, chat_template: '{{ messages }}' }).special.bos).toBe(eot);
  });
});

/** The byte-level BPE with a Llama-style post-processor that puts `<s>` before every encoding. */
function llamaStyleTokenizer() {
  const { tokenizerJson } = buildByteLevelBpe(rows, 40);
  const added = tokenizerJson.added_tokens as { id: number; content: string; special: boolean }[];
  const bosId = Math.max(...added.map((t) => t.id)) + 1;
  const json = {
    ...tokenizerJson,
    added_tokens: [...added, { id: bosId, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [bosId], tokens: ['<s>'] } },
    },
  };
  return { tok: loadTokenizer(json, { bos_token: '<s>', eos_token: END_OF_TEXT }), bosId };
}

describe("SAELens's prepend_bos", () => {
  test('True packs as its ActivationsStore: the tokenizer\'s own BOS left out, one BOS at each window start and between documents', () => {
    const { tok, bosId } = llamaStyleTokenizer();
    expect(tok.encode('the fox')[0]).toBe(bosId);
    const c: PretokenizeConfig = { ...cfg, ...prependBosOptions(true) };
    const pre = new Pretokenizer(tok, c);
    const windows = flatten([...pre.push(rows).chunks]);
    const expected = packSequences(
      rows.map((r) => tok.encode(r, false)),
      { contextSize: 32, beginBatchTokenId: bosId, beginSequenceTokenId: null, sequenceSeparatorTokenId: bosId, disableConcatSequences: false },
    );
    expect(windows.length).toBeGreaterThan(0);
    expect(windows).toEqual(expected.slice(0, windows.length / 32).flat());
    for (let w = 0; w * 32 < windows.length; w++) expect(windows[w * 32]).toBe(bosId);
  });

  test('False adds no BOS anywhere', () => {
    const { tok, bosId } = llamaStyleTokenizer();
    const pre = new Pretokenizer(tok, { ...cfg, ...prependBosOptions(false) });
    const windows = flatten(pre.push(rows).chunks);
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.includes(bosId)).toBe(false);
  });

  test('the options read back as the prepend_bos they came from; other combinations are not one', () => {
    expect(prependBosOf(prependBosOptions(true))).toBe(true);
    expect(prependBosOf(prependBosOptions(false))).toBe(false);
    expect(prependBosOf({ ...prependBosOptions(true), sequenceSeparatorToken: 'eos' })).toBeUndefined();
  });
});

describe('pretokenize', () => {
  test('chunks hold exactly the SAELens-packed windows of the encoded rows', async () => {
    const tok = demoTokenizer();
    const bos = tok.special.bos!;
    const expected = packSequences(
      rows.map((r) => tok.encode(r)),
      { contextSize: 32, beginBatchTokenId: bos, beginSequenceTokenId: null, sequenceSeparatorTokenId: bos, disableConcatSequences: false },
    );
    const chunks: TokenChunk[] = [];
    let docTokens = 0;
    for await (const step of pretokenize(batches(rows, 25), tok, cfg)) {
      chunks.push(...step.chunks);
      docTokens += step.docLengths.reduce((a, b) => a + b, 0);
    }
    expect(chunks.every((c) => c.tokens instanceof Uint16Array)).toBe(true);
    expect(chunks.slice(0, -1).every((c) => c.nSeq === 16)).toBe(true);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(flatten(chunks)).toEqual(expected.flat());
    expect(docTokens).toBe(rows.reduce((a, r) => a + tok.encode(r).length, 0));
  });

  test('resuming from saved state gives the same chunks', () => {
    const tok = demoTokenizer();
    const whole = new Pretokenizer(tok, cfg);
    const all = [...whole.push(rows).chunks, whole.finish()!];
    const a = new Pretokenizer(tok, cfg);
    const first = a.push(rows.slice(0, 37));
    const saved = JSON.parse(JSON.stringify(first.state));
    expect(saved.rowsConsumed).toBe(37);
    const b = new Pretokenizer(tok, cfg, saved);
    const second = b.push(rows.slice(37));
    expect(flatten([...first.chunks, ...second.chunks, b.finish()!])).toEqual(flatten(all));
    expect(b.state().sequences).toBe(whole.state().sequences);
  });

  test('normalisation is applied before tokenizing', () => {
    const tok = demoTokenizer();
    const c = { ...cfg, contextSize: 4, beginBatchToken: null, sequenceSeparatorToken: null, sequencesPerChunk: 1 } as PretokenizeConfig;
    const pre = new Pretokenizer(tok, { ...c, normalize: { unicode: 'NFKC', collapseWhitespace: true, strip: true } });
    const step = pre.push(['  ﬁne \n\n  day  ']);
    expect(step.docLengths[0]).toBe(tok.encode('fine day').length);
  });

  test('a special token the tokenizer lacks is a config error', () => {
    expect(() => new Pretokenizer(demoTokenizer(), { ...cfg, sequenceSeparatorToken: 'sep' })).toThrow(
      expect.objectContaining({ code: 'invalid-config' }),
    );
  });

  test('cancel stops between batches', async () => {
    const ac = new AbortController();
    const gen = pretokenize(batches(rows, 10), demoTokenizer(), cfg, { signal: ac.signal });
    await gen.next();
    ac.abort();
    await expect(gen.next()).rejects.toThrow(/abort/i);
  });

  test('progress reports rows with an ETA', async () => {
    const seen: { fraction?: number; etaS?: number }[] = [];
    for await (const _ of pretokenize(batches(rows, 30), demoTokenizer(), cfg, { totalRows: rows.length, onProgress: (p) => seen.push(p) }));
    expect(seen.at(-1)?.fraction).toBe(1);
  });
});

describe('exclude_special_tokens and token arrays', () => {
  test('true excludes every special id; a list excludes those ids', () => {
    const tok = demoTokenizer();
    expect(resolveExcludedTokenIds(true, tok)).toEqual([tok.special.bos]);
    expect(resolveExcludedTokenIds([5, 3, 5], tok)).toEqual([3, 5]);
    expect(resolveExcludedTokenIds(false, tok)).toEqual([]);
    expect(Array.from(keepMask([556, 1, 2, 556], [556]))).toEqual([0, 1, 1, 0]);
  });

  test('Uint16 up to 65536 ids, Uint32 beyond', () => {
    expect(tokenArrayFor(65536, 3)).toBeInstanceOf(Uint16Array);
    expect(tokenArrayFor(65537, 3)).toBeInstanceOf(Uint32Array);
  });

  test('tokenizations of one dataset are told apart by tokenizer and options, not chunk layout', () => {
    const key = tokenizationKey('gpt2', DEFAULT_PRETOKENIZE_CONFIG);
    expect(tokenizationKey('gpt2', { ...DEFAULT_PRETOKENIZE_CONFIG, sequencesPerChunk: 7 })).toBe(key);
    expect(tokenizationKey('gpt2', { ...DEFAULT_PRETOKENIZE_CONFIG, contextSize: 256 })).not.toBe(key);
    expect(tokenizationKey('smollm2', DEFAULT_PRETOKENIZE_CONFIG)).not.toBe(key);
  });

  test('options export in SAELens spelling', () => {
    expect(toSaeLensMetadata(DEFAULT_PRETOKENIZE_CONFIG, 'gpt2', 'lantern/demo-corpus')).toMatchObject({
      context_size: 128,
      begin_batch_token: 'bos',
      begin_sequence_token: null,
      sequence_separator_token: 'bos',
    });
  });
});
