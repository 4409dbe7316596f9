// Latent ablation against the reference forward pass on every fixture family, for ReLU, TopK and
// JumpReLU SAEs: the ablated hook value built the plain way (activations by each architecture's
// definition), spliced into the reference, and the per-position Δ log-probability compared.
import { describe, expect, it } from 'vitest';
import { encoderRule, type EncoderRule } from '../features/encoder';
import { randomSae } from '../features/testing';
import type { SaeWeights } from '../sae/types';
import { ablate, validateAblation } from './ablation';
import { LmError } from './errors';
import { referenceForward } from './reference/forward';
import { fixtureSession } from './testing';
import { preActs } from '../sae/weights.testing';

const PROMPT = [276, 104, 101, 108, 108, 111, 32, 119];
const HOOK = 'blocks.1.hook_resid_pre';
const D_SAE = 12;

const logProb = (logits: Float32Array, row: number, vocab: number, token: number) => {
  const r = logits.subarray(row * vocab, (row + 1) * vocab);
  const max = Math.max(...r);
  return r[token] - max - Math.log(r.reduce((s, v) => s + Math.exp(v - max), 0));
};

const EDITS = [{ latent: 2, scale: 0 }, { latent: 7, scale: 3 }];

/**
 * The SAE of `arch` over x and its activations by definition: ReLU; TopK, relu(pre) where pre is
 * among the row's k largest (k the smallest that drops an edited latent somewhere with pre > 0,
 * the k-th and (k+1)-th at least 1e-3 apart); JumpReLU, pre where pre > θ (θ of each edited latent
 * midway between its positive pre-activations).
 */
function saeOf(arch: 'relu' | 'topk' | 'jumprelu', x: Float32Array, n: number): { sae: SaeWeights; rule: EncoderRule; acts: Float64Array; pre: Float64Array } {
  const sae = randomSae(x.length / n, D_SAE, 80);
  const pre = preActs(sae, x, n);
  if (arch === 'relu') return { sae, rule: { kind: 'relu' }, acts: pre.map((v) => Math.max(v, 0)), pre };
  if (arch === 'jumprelu') {
    const threshold = new Float32Array(D_SAE).fill(0.01);
    for (const { latent } of EDITS) {
      const positive = Array.from({ length: n }, (_, i) => pre[i * D_SAE + latent]).filter((v) => v > 0).sort((a, b) => a - b);
      threshold[latent] = (positive[positive.length >> 1] + positive[(positive.length >> 1) - 1]) / 2;
    }
    const weights = { ...sae, threshold };
    return { sae: weights, rule: encoderRule('jumprelu', weights), acts: pre.map((v, i) => (v > threshold[i % D_SAE] ? v : 0)), pre };
  }
  const sorted = Array.from({ length: n }, (_, i) => Array.from(pre.subarray(i * D_SAE, (i + 1) * D_SAE)).sort((a, b) => b - a));
  for (let k = 1; k < D_SAE; k++) {
    if (sorted.some((r) => r[k - 1] - r[k] < 1e-3)) continue;
    const acts = pre.map((v, i) => (v >= sorted[Math.floor(i / D_SAE)][k - 1] ? Math.max(v, 0) : 0));
    const gated = EDITS.some((e) => acts.some((v, i) => i % D_SAE === e.latent && v === 0 && pre[i] > 0));
    if (gated && EDITS.every((e) => acts.some((v, i) => i % D_SAE === e.latent && v > 0))) return { sae, rule: encoderRule('topk', sae, k), acts, pre };
  }
  throw new Error('no k gates an edited latent on this prompt');
}

describe.each(['tiny-gpt2', 'tiny-llama', 'tiny-gpt2-fused', 'tiny-llama-fused'])('%s', (name) => {
  it.each(['relu', 'topk', 'jumprelu'] as const)('%s SAE: zeroing one latent and scaling another changes each next token’s log-probability exactly as the reference with the same edit', async (arch) => {
    const hooked = await fixtureSession(name, { expose: [HOOK], pruneToHooks: true });
    const spliced = await fixtureSession(name, { splice: [HOOK] });
    const { spec, weights } = spliced.fixture;
    const n = PROMPT.length;
    const clean = referenceForward(spec, weights, PROMPT);
    const x = clean.hooks[HOOK];
    const { sae, rule, acts: a, pre } = saeOf(arch, x, n);
    const edits = EDITS;
    expect(edits.every((e) => a.some((v, i) => i % D_SAE === e.latent && v > 0))).toBe(true);
    // TopK and JumpReLU leave an edited latent off somewhere ReLU would count it.
    expect(edits.some((e) => a.some((v, i) => i % D_SAE === e.latent && v === 0 && pre[i] > 0))).toBe(arch !== 'relu');
    const edited = Float64Array.from(x);
    for (const e of edits) for (let i = 0; i < n; i++) for (let j = 0; j < spec.dModel; j++) edited[i * spec.dModel + j] += (e.scale - 1) * a[i * D_SAE + e.latent] * sae.W_dec[e.latent * spec.dModel + j];
    const ablatedLogits = referenceForward(spec, weights, PROMPT, { splice: { [HOOK]: Float32Array.from(edited) } }).logits;
    const rows = await ablate({ hook: HOOK, hooked: hooked.session, spliced: spliced.session, spliceInput: spliced.surgery.spliceInputs[HOOK] }, sae, rule, PROMPT, edits);
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
