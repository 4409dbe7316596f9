// Generation with the KV cache against the reference's cache-free greedy decode, with and without
// steering and feature clamping; sampling options, stop tokens, streaming and cancellation.
import { describe, expect, it } from 'vitest';
import { randomArray } from '@/gpu/testing';
import { LmError } from './errors';
import { clampFeeds, generate, generateAll, steeringVector } from './generate';
import { referenceForward, referenceGreedy } from './reference/forward';
import { seededRandom } from './random';
import { argmax, penalizeFrequency, sampleToken } from './sampling';
import { f32, fixtureSession } from './testing';

const PROMPT = [276, 104, 101, 108, 108, 111];
const HOOK = 'blocks.0.hook_resid_post';

describe.each(['tiny-gpt2', 'tiny-llama', 'tiny-gpt2-fused', 'tiny-llama-fused'])('%s', (name) => {
  it('greedy generation with the KV cache matches the reference tokens', async () => {
    const { session, fixture: f } = await fixtureSession(name);
    const tokens = await generateAll(session, PROMPT, { maxNewTokens: 12 });
    expect(tokens).toEqual(referenceGreedy(f.spec, f.weights, PROMPT, 12));
    await session.release();
  });

  it('steered greedy generation matches the reference and differs from unsteered', async () => {
    const { session, fixture: f } = await fixtureSession(name, { steer: [HOOK] });
    const d = f.spec.dModel;
    const steer = steeringVector(
      [
        { direction: randomArray(d, 21), strength: 3 },
        { direction: randomArray(d, 22), strength: -1.5 },
      ],
      d,
    );
    const tokens = await generateAll(session, PROMPT, { maxNewTokens: 10, feeds: { [`steer.${HOOK}`]: f32([d], steer) } });
    expect(tokens).toEqual(referenceGreedy(f.spec, f.weights, PROMPT, 10, { steer: { [HOOK]: steer } }));
    expect(tokens).not.toEqual(referenceGreedy(f.spec, f.weights, PROMPT, 10));
    await session.release();
  });

  it('clamping SAE features matches the reference clamp', async () => {
    const { session, surgery, fixture: f } = await fixtureSession(name, { clamp: ['blocks.1.hook_resid_mid'] });
    const d = f.spec.dModel;
    const k = 2;
    const clamp = {
      encoderRows: randomArray(k * d, 31),
      decoderRows: randomArray(k * d, 32),
      bEnc: randomArray(k, 33),
      bDec: randomArray(d, 34, -0.1, 0.1),
      value: new Float32Array([4, 0]),
    };
    const encoder = new Float32Array(d * k);
    for (let x = 0; x < k; x++) for (let j = 0; j < d; j++) encoder[j * k + x] = clamp.encoderRows[x * d + j];
    const refClamp = { encoder, decoder: clamp.decoderRows, bEnc: clamp.bEnc, bDec: clamp.bDec, value: clamp.value };
    const feeds = clampFeeds(session, surgery.clampInputs['blocks.1.hook_resid_mid'], clamp);
    const out = await session.forward({ inputIds: PROMPT, batch: 1, extra: feeds });
    const ref = referenceForward(f.spec, f.weights, PROMPT, { clamp: { 'blocks.1.hook_resid_mid': refClamp } });
    const got = out.logits.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref.logits[i]));
    expect(worst).toBeLessThan(1e-4);
    const tokens = await generateAll(session, PROMPT, { maxNewTokens: 6, feeds });
    expect(tokens).toEqual(referenceGreedy(f.spec, f.weights, PROMPT, 6, { clamp: { 'blocks.1.hook_resid_mid': refClamp } }));
    await session.release();
  });
});

describe('generation controls', () => {
  it('seeded sampling is reproducible and streams through the async iterator', async () => {
    const { session } = await fixtureSession('tiny-gpt2');
    const opts = { maxNewTokens: 8, temperature: 1.2, topK: 40, topP: 0.95, seed: 5 };
    const streamed: number[] = [];
    for await (const t of generate(session, PROMPT, opts)) streamed.push(t);
    const called: number[] = [];
    const again = await generateAll(session, PROMPT, opts, (t, i) => (called[i] = t));
    expect(again).toEqual(streamed);
    expect(called).toEqual(streamed);
    expect(await generateAll(session, PROMPT, { ...opts, seed: 6 })).not.toEqual(streamed);
    await session.release();
  });

  it('stops after a stop token and at maxNewTokens', async () => {
    const { session, fixture: f } = await fixtureSession('tiny-llama');
    const greedy = referenceGreedy(f.spec, f.weights, PROMPT, 6);
    expect(await generateAll(session, PROMPT, { maxNewTokens: 6, stopTokens: [greedy[2]] })).toEqual(greedy.slice(0, 3));
    expect(await generateAll(session, PROMPT, { maxNewTokens: 2 })).toEqual(greedy.slice(0, 2));
    await session.release();
  });

  it('cancels through an AbortSignal with a typed error', async () => {
    const { session } = await fixtureSession('tiny-gpt2');
    const ctrl = new AbortController();
    const seen: number[] = [];
    const run = generateAll(session, PROMPT, { maxNewTokens: 50, signal: ctrl.signal }, (t) => {
      seen.push(t);
      if (seen.length === 3) ctrl.abort();
    });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    expect(seen).toHaveLength(3);
    await session.release();
  });

  it('greedy generation with a frequency penalty matches a cache-free reference that subtracts penalty × count from each generated token', async () => {
    const { session, fixture: f } = await fixtureSession('tiny-llama');
    const penalty = 1.5;
    const expected: number[] = [];
    for (let s = 0; s < 12; s++) {
      const tokens = [...PROMPT, ...expected];
      const row = Float64Array.from(referenceForward(f.spec, f.weights, tokens).logits.subarray((tokens.length - 1) * f.spec.vocabSize));
      for (const t of expected) row[t] -= penalty;
      expected.push(argmax(row));
    }
    const got = await generateAll(session, PROMPT, { maxNewTokens: 12, frequencyPenalty: penalty });
    expect(got).toEqual(expected);
    expect(got).not.toEqual(referenceGreedy(f.spec, f.weights, PROMPT, 12));
    await session.release();
  });

  it('rejects a steering direction of the wrong width', () => {
    expect(() => steeringVector([{ direction: new Float32Array(3), strength: 1 }], 48)).toThrow(LmError);
  });
});

describe('sampleToken', () => {
  const logits = new Float32Array([0.1, 2.5, -1, 2.4, 0.3]);

  it('is greedy at temperature 0 and with top-k = 1', () => {
    expect(sampleToken(logits, {}, seededRandom(1))).toBe(1);
    expect(sampleToken(logits, { temperature: 5, topK: 1 }, seededRandom(1))).toBe(1);
    expect(argmax(logits)).toBe(1);
  });

  it('keeps only the nucleus under top-p', () => {
    const rand = seededRandom(3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(sampleToken(logits, { temperature: 1, topP: 0.8 }, rand));
    expect([...seen].sort()).toEqual([1, 3]);
  });

  it('frequency penalty subtracts penalty × count per generated token, like a loop over the generated tokens', () => {
    const generated = [1, 3, 1, 4, 1];
    const counts = new Map<number, number>();
    for (const t of generated) counts.set(t, (counts.get(t) ?? 0) + 1);
    const plain = Array.from(logits);
    for (const t of generated) plain[t] -= 0.7;
    const got = penalizeFrequency(logits, counts, 0.7);
    plain.forEach((v, t) => expect(got[t]).toBeCloseTo(v, 6));
    expect(Array.from(logits)).toEqual(Array.from(new Float32Array([0.1, 2.5, -1, 2.4, 0.3])));
    expect(sampleToken(got, {}, seededRandom(1))).toBe(3);
    expect(Array.from(penalizeFrequency(logits, counts, 0))).toEqual(Array.from(logits));
  });

  it('follows the softmax distribution at temperature 1', () => {
    const rand = seededRandom(4);
    const counts = new Array(5).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleToken(logits, { temperature: 1 }, rand)]++;
    const z = Array.from(logits).reduce((a, x) => a + Math.exp(x), 0);
    for (let t = 0; t < 5; t++) expect(Math.abs(counts[t] / n - Math.exp(logits[t]) / z)).toBeLessThan(0.015);
  });
});
