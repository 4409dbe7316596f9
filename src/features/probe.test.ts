// Test-your-own-text on the fixture GPT-2 with the planted SAE: the planted latent fires exactly
// on the token it detects, ranks by its max, and each token lists its strongest latents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSession, type FixtureSession } from '../lm/testing';
import { cpuEncoder, encodeReference, encoderRule } from './encoder';
import { probeText } from './probe';
import { plantedSae } from './testing';

const HOOK = 'blocks.1.hook_resid_post';
const p = plantedSae({ hook: HOOK, dSae: 9, latent: 5, token: 262, contextSize: 16 });
let fs: FixtureSession;
beforeAll(async () => {
  fs = await fixtureSession('tiny-gpt2', { expose: [HOOK], pruneToHooks: true });
}, 60_000);
afterAll(() => fs?.session.release());

describe('probeText', () => {
  it('finds the planted latent on its token and ranks latents by their max over the text', async () => {
    const tokens = p.tokens.slice(0, 48);
    const source = { contextSize: 16, numSequences: 3, read: async (s: number, c: number) => ({ tokens: tokens.slice(s * 16, (s + c) * 16) }) };
    const rule = encoderRule('relu', p.weights);
    const r = await probeText(fs.session, source, HOOK, cpuEncoder(p.weights, rule));
    expect(r.tokens).toEqual(Array.from(tokens));
    const planted = r.byLatent.get(p.latent)!;
    tokens.forEach((t, i) => expect(planted[i] > 0).toBe(t === p.token));
    for (let i = 1; i < r.ranking.length; i++) expect(r.ranking[i - 1].max).toBeGreaterThanOrEqual(r.ranking[i].max);
    const entry = r.ranking.find((e) => e.latent === p.latent)!;
    expect(tokens[entry.at]).toBe(p.token);
    // Each token's strongest latents, against the encoder on the model's own activations.
    const x = (await fs.session.forward({ inputIds: tokens.slice(0, 16), batch: 1 }))[HOOK].data as Float32Array;
    const dense = encodeReference(p.weights, rule, x, 16);
    for (let t = 0; t < 16; t++) {
      const best = Array.from(dense.subarray(t * 9, (t + 1) * 9)).map((value, latent) => ({ latent, value })).filter((e) => e.value > 0).sort((a, b) => b.value - a.value).slice(0, 3);
      expect(r.perToken[t].map((e) => e.latent)).toEqual(best.map((e) => e.latent));
    }
  });
});
