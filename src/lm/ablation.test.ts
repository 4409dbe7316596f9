// Latent ablation against the reference forward pass on every fixture family: the ablated hook value
// built the plain way, spliced into the reference, and the per-position Δ log-probability compared.
import { describe, expect, it } from 'vitest';
import { randomSae, reluActs } from '../features/testing';
import { ablate, validateAblation } from './ablation';
import { LmError } from './errors';
import { referenceForward } from './reference/forward';
import { fixtureSession } from './testing';

const PROMPT = [276, 104, 101, 108, 108, 111, 32, 119];
const HOOK = 'blocks.1.hook_resid_pre';
const D_SAE = 12;

const logProb = (logits: Float32Array, row: number, vocab: number, token: number) => {
  const r = logits.subarray(row * vocab, (row + 1) * vocab);
  const max = Math.max(...r);
  return r[token] - max - Math.log(r.reduce((s, v) => s + Math.exp(v - max), 0));
};

describe.each(['tiny-gpt2', 'tiny-llama', 'tiny-gpt2-fused', 'tiny-llama-fused'])('%s', (name) => {
  it('zeroing one latent and scaling another changes each next token’s log-probability exactly as the reference with the same edit', async () => {
    const hooked = await fixtureSession(name, { expose: [HOOK], pruneToHooks: true });
    const spliced = await fixtureSession(name, { splice: [HOOK] });
    const { spec, weights } = spliced.fixture;
    const sae = randomSae(spec.dModel, D_SAE, 80);
    const n = PROMPT.length;
    const clean = referenceForward(spec, weights, PROMPT);
    const x = clean.hooks[HOOK];
    const a = reluActs(sae, x, n);
    const edits = [{ latent: 2, scale: 0 }, { latent: 7, scale: 3 }];
    expect(edits.every((e) => a.some((v, i) => i % D_SAE === e.latent && v > 0))).toBe(true);
    const edited = Float64Array.from(x);
    for (const e of edits) for (let i = 0; i < n; i++) for (let j = 0; j < spec.dModel; j++) edited[i * spec.dModel + j] += (e.scale - 1) * a[i * D_SAE + e.latent] * sae.W_dec[e.latent * spec.dModel + j];
    const ablatedLogits = referenceForward(spec, weights, PROMPT, { splice: { [HOOK]: Float32Array.from(edited) } }).logits;
    const rows = await ablate({ hook: HOOK, hooked: hooked.session, spliced: spliced.session, spliceInput: spliced.surgery.spliceInputs[HOOK] }, sae, { kind: 'relu' }, PROMPT, edits);
    expect(rows).toHaveLength(n - 1);
    let moved = 0;
    rows.forEach((r, t) => {
      expect(r.next).toBe(PROMPT[t + 1]);
      expect(r.logProb).toBeCloseTo(logProb(clean.logits, t, spec.vocabSize, r.next), 4);
      expect(r.ablatedLogProb).toBeCloseTo(logProb(ablatedLogits, t, spec.vocabSize, r.next), 4);
      moved = Math.max(moved, Math.abs(r.ablatedLogProb - r.logProb));
      const d = r.moved.map((m) => Math.abs(m.ablatedProb - m.prob));
      expect(d).toEqual([...d].sort((p, q) => q - p));
    });
    expect(moved).toBeGreaterThan(1e-3);
    await hooked.session.release();
    await spliced.session.release();
  });
});

describe('ablation input checks', () => {
  it('refuses no latents, a latent out of range and a non-finite scale, naming the row', () => {
    expect(() => validateAblation([], 12)).toThrow(/Add a latent/);
    expect(() => validateAblation([{ latent: 12, scale: 0 }], 12)).toThrow(/row 1: latent 12 is out of range; this SAE has latents 0–11/);
    expect(() => validateAblation([{ latent: 1, scale: 0 }, { latent: 2, scale: Number.NaN }], 12)).toThrow(LmError);
    expect(() => validateAblation([{ latent: 1, scale: 0 }, { latent: 2, scale: Infinity }], 12)).toThrow(/row 2: the scale must be a finite number/);
  });
});
