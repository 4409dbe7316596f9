// The extraction job through the real queue on fake-indexeddb, with the fixture GPT-2 served by
// the Hub mirror: stored chunks match the reference forward pass, pause/resume stores the same
// chunks as one run, bad input fails with nothing stored, a tokenization works as the source.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { expectClose } from '@/gpu/testing';
import { FIXTURE_ORG } from '../../lm/fixtures/repos';
import { referenceForward } from '../../lm/reference/forward';
import { fixture } from '../../lm/testing';
import { loadTokenizer } from '../../lm/tokenizer';
import { activationChunkCount, readActivationChunk } from '../../storage/activations';
import { makeChunks } from '../../storage/chunks';
import type { JobRecord } from '../../storage/db';
import type { JobKind } from '../types';
import { extractJob, type ExtractParams } from './extract';
import { fixtureModelQueue, settled as settledIn, withControlPoint } from '../testing';

const REPO = `${FIXTURE_ORG}/tiny-gpt2`;
const TEXT = 'The quick brown fox jumps over the lazy dog. Colours: red, green, blue. Numbers: 1 2 3 4 5 6 7 8 9 10. '.repeat(3);

const env = fixtureModelQueue('tiny-gpt2', REPO, () => [extractKind.kind as unknown as JobKind]);
const extractKind = withControlPoint(extractJob, () => env.queue);

const settled = (id: string, statuses?: JobRecord['status'][]) => settledIn(env.db, id, statuses);

const params = (over: Partial<ExtractParams> = {}): ExtractParams => ({
  setId: 'act_1',
  modelId: 'm1',
  hook: 'blocks.1.hook_resid_post',
  source: { type: 'text', text: TEXT },
  contextSize: 16,
  batchSize: 2,
  maxSequences: 0,
  skipPositions: 0,
  backend: 'wasm',
  ...over,
});

async function allChunks(setId: string) {
  const out = [];
  for (let i = 0; i < (await activationChunkCount(env.db, setId)); i++) out.push(await readActivationChunk(env.db, setId, i));
  return out;
}

describe('extract job', () => {
  it('stores pasted-text activations that match the reference forward pass, with tokens, positions and contexts', async () => {
    const job = await settled(await env.queue.enqueue({ kind: 'extract', params: params() }));
    expect(job.status, job.error?.message).toBe('done');
    const f = fixture('tiny-gpt2');
    const tok = loadTokenizer(
      JSON.parse(new TextDecoder().decode(f.files.get('tokenizer.json'))) as object,
      JSON.parse(new TextDecoder().decode(f.files.get('tokenizer_config.json'))) as object,
    );
    const ids = tok.encode(TEXT);
    const nSeq = Math.floor(ids.length / 16);
    const set = await env.db.activationSets.get('act_1');
    expect(set).toMatchObject({ status: 'ready', tokens: nSeq * 16, sequences: nSeq, contextSize: 16, dModel: 48, layer: 1, model: REPO, backend: 'wasm' });
    const chunks = await allChunks('act_1');
    expect(chunks).toHaveLength(Math.ceil(nSeq / 2));
    for (const c of chunks) {
      for (let r = 0; r < c.tokenIds.length; r += 16) {
        const s = c.sequences![r];
        const tokens = Int32Array.from(ids.slice(s * 16, (s + 1) * 16));
        expect(Array.from(c.tokenIds.subarray(r, r + 16))).toEqual(Array.from(tokens));
        expect(Array.from(c.positions.subarray(r, r + 16))).toEqual([...Array(16).keys()]);
        const ref = referenceForward(f.spec, f.weights, tokens);
        expectClose(c.activations.subarray(r * 48, (r + 16) * 48), ref.hooks['blocks.1.hook_resid_post'], { atol: 1e-4, rtol: 0 });
      }
    }
  });

  it('paused and resumed mid-way stores the same chunks as one run, none duplicated', async () => {
    const one = await settled(await env.queue.enqueue({ kind: 'extract', params: params({ setId: 'whole', batchSize: 1 }) }));
    expect(one.status).toBe('done');
    extractKind.after(2, 'pause');
    const id = await env.queue.enqueue({ kind: 'extract', params: params({ setId: 'split', batchSize: 1 }) });
    const paused = await settled(id, ['paused', 'done']);
    expect(paused.status).toBe('paused');
    expect((await env.db.activationSets.get('split'))?.status).toBe('running');
    await env.queue.resume(id);
    expect((await settled(id)).status).toBe('done');
    const [a, b] = [await allChunks('whole'), await allChunks('split')];
    expect(b.length).toBe(a.length);
    b.forEach((c, i) => {
      expect(c.tokenIds).toEqual(a[i].tokenIds);
      expect(c.activations).toEqual(a[i].activations);
    });
  });

  it('a layer out of range fails with LAYER_OUT_OF_RANGE and stores nothing', async () => {
    const job = await settled(await env.queue.enqueue({ kind: 'extract', params: params({ hook: 'blocks.7.hook_resid_post' }) }));
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('LAYER_OUT_OF_RANGE');
    expect(await env.db.activationSets.count()).toBe(0);
    expect(await env.db.activationChunks.count()).toBe(0);
  });

  it('a cancelled extraction deletes its set and partial chunks', async () => {
    extractKind.after(1, 'cancel');
    const id = await env.queue.enqueue({ kind: 'extract', params: params({ batchSize: 1 }) });
    expect((await settled(id)).status).toBe('cancelled');
    await expect.poll(() => env.db.activationSets.count(), { timeout: 10_000 }).toBe(0);
    expect(await env.db.activationChunks.count()).toBe(0);
  });

  it('extracts from a stored tokenization, reading across its chunk rows', async () => {
    const ctx = 8;
    const windows = Uint16Array.from({ length: 5 * ctx }, (_, i) => (i * 31 + 7) % 276);
    const rows = [...(await makeChunks('tok_1', windows.subarray(0, 3 * ctx))), ...(await makeChunks('tok_1', windows.subarray(3 * ctx)))].map((r, i) => ({ ...r, index: i }));
    await env.db.tokenizations.put({ id: 'tok_1', datasetId: 'ds', modelId: 'x', contextSize: ctx, tokens: windows.length, status: 'ready', createdAt: 1, dtype: 'uint16', sequences: 5 });
    await env.db.tokenChunks.bulkPut(rows);
    const job = await settled(
      await env.queue.enqueue({ kind: 'extract', params: params({ source: { type: 'tokenization', tokenizationId: 'tok_1', datasetId: 'ds' }, batchSize: 2, hook: 'blocks.0.hook_mlp_out' }) }),
    );
    expect(job.status, job.error?.message).toBe('done');
    const chunks = await allChunks('act_1');
    const tokenIds = chunks.flatMap((c) => Array.from(c.tokenIds));
    expect(tokenIds).toEqual(Array.from(windows));
    const f = fixture('tiny-gpt2');
    const ref = referenceForward(f.spec, f.weights, Int32Array.from(windows.subarray(3 * ctx, 4 * ctx)));
    expectClose(chunks[1].activations.subarray(ctx * 48, 2 * ctx * 48), ref.hooks['blocks.0.hook_mlp_out'], { atol: 1e-4, rtol: 0 });
    expect(Array.from(chunks[1].sequences!)).toEqual([...Array(2 * ctx)].map((_, i) => 2 + Math.floor(i / ctx)));
  });
});
