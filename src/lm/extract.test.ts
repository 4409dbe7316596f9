// Extraction against the reference hook values, resumption from serialised state, filtering,
// and the seeded shuffle buffer the SAE trainer draws from.
import { describe, expect, it } from 'vitest';
import { expectClose } from '@/gpu/testing';
import { Extractor, type ActivationChunk, type ChunkMeta, type ExtractionConfig, type TokenSource } from './extract';
import { referenceForward } from './reference/forward';
import { ShuffleBuffer } from './shuffleBuffer';
import { fixtureSession } from './testing';

const CTX = 8;
const N_SEQ = 5;
const HOOK = 'blocks.1.hook_resid_mid';

function source(): TokenSource {
  const tokens = Int32Array.from({ length: N_SEQ * CTX }, (_, i) => (i * 37 + 11) % 276);
  tokens[0] = 276;
  tokens[CTX] = 276;
  const docIds = Int32Array.from({ length: N_SEQ * CTX }, (_, i) => Math.floor(i / 12));
  return {
    numSequences: N_SEQ,
    read: async (start, count) => ({
      tokens: tokens.slice(start * CTX, (start + count) * CTX),
      docIds: docIds.slice(start * CTX, (start + count) * CTX),
    }),
  };
}

const config = (over: Partial<ExtractionConfig> = {}): ExtractionConfig => ({
  model: 'lantern-fixtures/tiny-llama',
  revision: 'main',
  hook: HOOK,
  contextSize: CTX,
  batchSize: 2,
  dModel: 48,
  ...over,
});

function collector() {
  const chunks: { chunk: ActivationChunk; meta: ChunkMeta }[] = [];
  return { chunks, sink: (chunk: ActivationChunk, meta: ChunkMeta) => void chunks.push({ chunk, meta }) };
}

describe('Extractor', () => {
  it('emits chunks whose activations match the reference hook values', async () => {
    const { session, fixture: f } = await fixtureSession('tiny-llama', { expose: [HOOK] });
    const src = source();
    const { chunks, sink } = collector();
    const ex = new Extractor(session, src, config(), sink);
    await ex.run();
    expect(chunks.map((c) => c.meta.nTok)).toEqual([16, 16, 8]);
    expect(chunks[2].meta).toMatchObject({ hook: HOOK, layer: 1, contextSize: CTX, dModel: 48, dtype: 'float32', chunkIndex: 2, firstSequence: 4 });
    expect(ex.state).toEqual({ nextSequence: 5, chunkIndex: 3, tokensEmitted: 40 });
    const all = await src.read(0, N_SEQ);
    for (let s = 0; s < N_SEQ; s++) {
      const { chunk } = chunks[Math.floor(s / 2)];
      const r0 = (s % 2) * CTX;
      const ref = referenceForward(f.spec, f.weights, all.tokens.subarray(s * CTX, (s + 1) * CTX));
      expectClose(chunk.activations.subarray(r0 * 48, (r0 + CTX) * 48), ref.hooks[HOOK], { atol: 1e-4, rtol: 0 });
      expect(Array.from(chunk.tokenIds.subarray(r0, r0 + CTX))).toEqual(Array.from(all.tokens.subarray(s * CTX, (s + 1) * CTX)));
      expect(Array.from(chunk.positions.subarray(r0, r0 + CTX))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(Array.from(chunk.docIds!.subarray(r0, r0 + CTX))).toEqual(Array.from(all.docIds!.subarray(s * CTX, (s + 1) * CTX)));
    }
    expect(await ex.step()).toBe(false);
    await session.release();
  });

  it('resumes from JSON state exactly where it stopped (on a graph pruned to the hook)', async () => {
    const { session } = await fixtureSession('tiny-llama', { expose: [HOOK], pruneToHooks: true });
    const whole = collector();
    await new Extractor(session, source(), config(), whole.sink).run();
    const first = collector();
    const ex = new Extractor(session, source(), config(), first.sink);
    await ex.step();
    const saved = JSON.parse(JSON.stringify(ex.state));
    const rest = collector();
    await new Extractor(session, source(), config(), rest.sink, saved).run();
    const resumed = [...first.chunks, ...rest.chunks];
    expect(resumed.map((c) => c.meta)).toEqual(whole.chunks.map((c) => c.meta));
    resumed.forEach((c, i) => expect(c.chunk.activations).toEqual(whole.chunks[i].chunk.activations));
    await session.release();
  });

  it('does not advance when the sink fails, and stops on abort after the current batch', async () => {
    const { session } = await fixtureSession('tiny-gpt2', { expose: ['blocks.0.hook_resid_post'] });
    let fail = true;
    const ex = new Extractor(session, source(), config({ hook: 'blocks.0.hook_resid_post' }), () => {
      if (fail) throw new Error('quota');
    });
    await expect(ex.step()).rejects.toThrow('quota');
    expect(ex.state.nextSequence).toBe(0);
    fail = false;
    const ctrl = new AbortController();
    const ex2 = new Extractor(session, source(), config({ hook: 'blocks.0.hook_resid_post' }), () => ctrl.abort());
    await ex2.run(ctrl.signal);
    expect(ex2.state).toMatchObject({ nextSequence: 2, chunkIndex: 1 });
    await session.release();
  });

  it('skips leading positions and excluded tokens', async () => {
    const { session } = await fixtureSession('tiny-gpt2', { expose: ['blocks.0.hook_resid_post'] });
    const { chunks, sink } = collector();
    await new Extractor(session, source(), config({ hook: 'blocks.0.hook_resid_post', skipPositions: 1, excludeTokenIds: [276] }), sink).run();
    const tokens = chunks.flatMap((c) => Array.from(c.chunk.tokenIds));
    expect(tokens).not.toContain(276);
    expect(chunks.flatMap((c) => Array.from(c.chunk.positions))).not.toContain(0);
    expect(tokens).toHaveLength(N_SEQ * (CTX - 1));
    await session.release();
  });

  it('refuses a session that does not expose the hook', async () => {
    const { session } = await fixtureSession('tiny-gpt2');
    expect(() => new Extractor(session, source(), config(), () => {})).toThrow(/does not expose/);
    await session.release();
  });
});

describe('ShuffleBuffer', () => {
  const rows = (n: number, d: number, offset = 0) => Float32Array.from({ length: n * d }, (_, i) => offset + Math.floor(i / d));

  it('returns every added row exactly once, in a seeded order', () => {
    const draw = (seed: number) => {
      const buf = new ShuffleBuffer(3, 10, seed);
      expect(buf.add(rows(7, 3))).toBe(7);
      expect(buf.add(rows(6, 3, 100), 0)).toBe(3);
      expect(buf.needsRefill()).toBe(false);
      const out = [...buf.sample(4), ...buf.sample(6)];
      expect(buf.size).toBe(0);
      return out.filter((_, i) => i % 3 === 0);
    };
    const a = draw(1);
    expect([...a].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 100, 101, 102]);
    expect(draw(1)).toEqual(a);
    expect(draw(2)).not.toEqual(a);
  });

  it('keeps rows intact and reports refills and over-draws', () => {
    const buf = new ShuffleBuffer(4, 8, 0);
    buf.add(rows(8, 4));
    const batch = buf.sample(3);
    for (let r = 0; r < 3; r++) expect(new Set(batch.subarray(r * 4, r * 4 + 4)).size).toBe(1);
    expect(buf.needsRefill(0.75)).toBe(true);
    expect(() => buf.sample(6)).toThrow(/holds 5/);
    expect(() => buf.add(new Float32Array(5))).toThrow(/not rows of 4/);
  });
});
