// Steering against the reference forward pass: each method's edit is computed here the plain way
// (the whole SAE for clamp, by the reference encoder of its architecture; the projection for cap),
// spliced into the reference, and compared with the hooked ONNX graph fed by `steeringFeeds`, on
// every fixture family; raw vectors (a latent's direction at another hook, a difference of two
// prompts' mean activations) likewise.
import { describe, expect, it } from 'vitest';
import { encodeReference, encoderRule, type EncoderRule } from '../features/encoder';
import { randomSae } from '../features/testing';
import type { SaeWeights } from '../sae/types';
import { LmError } from './errors';
import { referenceForward } from './reference/forward';
import { checkSaeFitsModel, differenceVector, hookMean, latentDirection, steeringFeeds, steeringPlan, steeringRank, validateSteering, type SteeringSae, type SteeringSetup } from './steering';
import { fixture, fixtureSession } from './testing';
import { preActs } from '../sae/weights.testing';

const PROMPT = [276, 104, 101, 108, 108, 111, 32, 119];
const HOOK = 'blocks.1.hook_resid_pre';
const D_SAE = 12;
const RELU: EncoderRule = { kind: 'relu' };

/**
 * The steered hook value by the plain definitions: additive latents first, then every clamp and cap
 * measured on that additively steered stream (the SAE's activations by `rule`, the projection).
 */
function steeredByDefinition(sae: SaeWeights, x: Float32Array, n: number, setup: SteeringSetup, rule: EncoderRule = RELU): Float32Array {
  const { dIn: d, dSae } = sae;
  const out = Float64Array.from(x);
  const row = (l: { latent: number }) => sae.W_dec.subarray(l.latent * d, (l.latent + 1) * d);
  for (const l of setup.latents.filter((m) => m.method === 'additive')) {
    const dec = row(l);
    for (let i = 0; i < n * d; i++) out[i] += setup.multiplier * l.strength * dec[i % d];
  }
  const steered = Float32Array.from(out);
  const acts = encodeReference(sae, rule, steered, n);
  for (const l of setup.latents.filter((m) => m.method !== 'additive')) {
    const s = setup.multiplier * l.strength;
    const dec = row(l);
    const norm = Math.hypot(...dec);
    for (let i = 0; i < n; i++) {
      if (l.method === 'clamp') {
        // SAE(x) with a_i := s, plus the error x − SAE(x): only a_i's decoder term changes.
        const delta = s - acts[i * dSae + l.latent];
        for (let j = 0; j < d; j++) out[i * d + j] += delta * dec[j];
      } else {
        let proj = 0;
        for (let j = 0; j < d; j++) proj += (steered[i * d + j] * dec[j]) / norm;
        const excess = Math.max(proj - s, 0);
        for (let j = 0; j < d; j++) out[i * d + j] -= (excess * dec[j]) / norm;
      }
    }
  }
  return Float32Array.from(out);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const SETUPS: Record<string, SteeringSetup> = {
  additive: { multiplier: 1.5, latents: [{ latent: 3, strength: 4, method: 'additive' }, { latent: 7, strength: -2, method: 'additive' }] },
  clamp: { multiplier: 1, latents: [{ latent: 2, strength: 6, method: 'clamp' }, { latent: 9, strength: 0, method: 'clamp' }] },
  cap: { multiplier: 2, latents: [{ latent: 5, strength: -0.25, method: 'cap' }] },
  mixed: { multiplier: 0.5, latents: [{ latent: 1, strength: 5, method: 'additive' }, { latent: 4, strength: 3, method: 'clamp' }, { latent: 11, strength: 0.1, method: 'cap' }] },
};

describe.each(['tiny-gpt2', 'tiny-llama', 'tiny-gpt2-fused', 'tiny-llama-fused'])('%s', (name) => {
  it.each(Object.keys(SETUPS))('%s steering changes the logits exactly as the reference with the same edit', async (method) => {
    const setup = SETUPS[method];
    const { session, surgery, fixture: f } = await fixtureSession(name, steeringPlan(HOOK, setup));
    const sae = randomSae(f.spec.dModel, D_SAE, 40);
    const clean = referenceForward(f.spec, f.weights, PROMPT);
    const edited = steeredByDefinition(sae, clean.hooks[HOOK], PROMPT.length, setup);
    const expected = referenceForward(f.spec, f.weights, PROMPT, { splice: { [HOOK]: edited } }).logits;
    const out = await session.forward({ inputIds: PROMPT, batch: 1, extra: steeringFeeds(session, surgery, HOOK, setup, { weights: sae, rule: RELU }) });
    const got = out.logits.data as Float32Array;
    expect(maxDiff(got, expected)).toBeLessThan(1e-4);
    expect(maxDiff(got, clean.logits)).toBeGreaterThan(1e-3);
    await session.release();
  });

  it('a clamp to the activation the latent already has (an unclamped splice) leaves the logits unchanged', async () => {
    const { session, surgery, fixture: f } = await fixtureSession(name, { clamp: [HOOK] });
    const sae = randomSae(f.spec.dModel, D_SAE, 50);
    const one = [PROMPT[0]];
    const clean = referenceForward(f.spec, f.weights, one);
    const acts = encodeReference(sae, RELU, clean.hooks[HOOK], 1);
    const active = acts.findIndex((a) => a > 0);
    expect(active).toBeGreaterThanOrEqual(0);
    const setup: SteeringSetup = { multiplier: 1, latents: [{ latent: active, strength: acts[active], method: 'clamp' }] };
    const out = await session.forward({ inputIds: one, batch: 1, extra: steeringFeeds(session, surgery, HOOK, setup, { weights: sae, rule: RELU }) });
    expect(maxDiff(out.logits.data as Float32Array, clean.logits)).toBeLessThan(1e-4);
    await session.release();
  });
});

/** A JumpReLU SAE: `randomSae` with thresholds θ (its rule reads them). */
function jumpRelu(sae: SaeWeights, threshold: Float32Array): SteeringSae {
  const weights = { ...sae, threshold };
  return { weights, rule: encoderRule('jumprelu', weights) };
}

/**
 * An SAE of `kind` over x [n, d] with a latent its rule keeps at some positions and drops at others
 * although its pre-activation there is positive (ReLU would keep it), every cut at least 1e-3 away:
 * TopK with the smallest such k (the k-th and (k+1)-th pre-activations apart at every position), or
 * JumpReLU with θ between the latent's positive pre-activations.
 */
function gatedSae(kind: 'topk' | 'jumprelu', x: Float32Array, n: number): { sae: SteeringSae; latent: number } {
  const sae = randomSae(x.length / n, D_SAE, 60);
  const pre = preActs(sae, x, n);
  const row = (i: number) => Array.from(pre.subarray(i * D_SAE, (i + 1) * D_SAE));
  if (kind === 'jumprelu') {
    for (let latent = 0; latent < D_SAE; latent++) {
      const positive = Array.from({ length: n }, (_, i) => pre[i * D_SAE + latent]).filter((v) => v > 1e-3).sort((a, b) => a - b);
      const cut = positive.findIndex((v, i) => i > 0 && v - positive[i - 1] > 2e-3);
      if (cut < 0) continue;
      const threshold = new Float32Array(D_SAE).fill(0.05);
      threshold[latent] = (positive[cut - 1] + positive[cut]) / 2;
      return { sae: jumpRelu(sae, threshold), latent };
    }
  } else {
    for (let k = 1; k < D_SAE; k++) {
      const sorted = Array.from({ length: n }, (_, i) => row(i).sort((a, b) => b - a));
      if (sorted.some((r) => r[k - 1] - r[k] < 1e-3)) continue;
      for (let latent = 0; latent < D_SAE; latent++) {
        const at = Array.from({ length: n }, (_, i) => pre[i * D_SAE + latent]);
        const on = at.some((v, i) => v > 1e-3 && v >= sorted[i][k - 1]);
        const off = at.some((v, i) => v > 1e-3 && v < sorted[i][k - 1]);
        if (on && off) return { sae: { weights: sae, rule: encoderRule('topk', sae, k) }, latent };
      }
    }
  }
  throw new Error(`no ${kind} SAE gates a latent on this prompt`);
}

describe.each(['tiny-gpt2', 'tiny-llama', 'tiny-gpt2-fused', 'tiny-llama-fused'])('%s, TopK and JumpReLU SAEs', (name) => {
  it.each(['topk', 'jumprelu'] as const)(
    'a %s clamp changes the logits exactly as the reference with the SAE’s own activation, which ReLU of the pre-activation gets wrong',
    async (kind) => {
      const f = fixture(name);
      const clean = referenceForward(f.spec, f.weights, PROMPT);
      const x = clean.hooks[HOOK];
      const { sae, latent } = gatedSae(kind, x, PROMPT.length);
      const cap = (latent + 5) % D_SAE;
      const setup: SteeringSetup = { multiplier: 1, latents: [{ latent, strength: 2.5, method: 'clamp' }, { latent: cap, strength: 0.05, method: 'cap' }] };
      const plan = steeringPlan(HOOK, setup, sae.rule);
      const { session, surgery } = await fixtureSession(name, plan, steeringRank(plan, sae));
      const spliced = (rule: EncoderRule) => referenceForward(f.spec, f.weights, PROMPT, { splice: { [HOOK]: steeredByDefinition(sae.weights, x, PROMPT.length, setup, rule) } }).logits;
      const expected = spliced(sae.rule);
      const byRelu = spliced(RELU);
      const got = (await session.forward({ inputIds: PROMPT, batch: 1, extra: steeringFeeds(session, surgery, HOOK, setup, sae) })).logits.data as Float32Array;
      expect(maxDiff(got, expected)).toBeLessThan(1e-4);
      expect(maxDiff(got, byRelu)).toBeGreaterThan(1e-3);
      await session.release();
    },
  );

  it.each(['topk', 'jumprelu'] as const)('a %s clamp to 0 of a latent the SAE leaves off, though its pre-activation is positive, leaves the logits unchanged', async (kind) => {
    const f = fixture(name);
    const one = [PROMPT[0]];
    const clean = referenceForward(f.spec, f.weights, one);
    const x = clean.hooks[HOOK];
    const base = randomSae(f.spec.dModel, D_SAE, 50);
    const pre = preActs(base, x, 1);
    const order = Array.from(pre.keys()).sort((a, b) => pre[b] - pre[a]);
    expect(pre[order[1]] - pre[order[2]]).toBeGreaterThan(1e-3);
    // The second largest pre-activation: positive, outside the top 1, and under a threshold 0.05 above it.
    const latent = order[1];
    expect(pre[latent]).toBeGreaterThan(1e-3);
    const sae = kind === 'topk' ? { weights: base, rule: encoderRule('topk', base, 1) } : jumpRelu(base, new Float32Array(D_SAE).fill(pre[latent] + 0.05));
    const setup: SteeringSetup = { multiplier: 1, latents: [{ latent, strength: 0, method: 'clamp' }] };
    const plan = steeringPlan(HOOK, setup, sae.rule);
    const { session, surgery } = await fixtureSession(name, plan, steeringRank(plan, sae));
    const out = (await session.forward({ inputIds: one, batch: 1, extra: steeringFeeds(session, surgery, HOOK, setup, sae) })).logits.data as Float32Array;
    expect(maxDiff(out, clean.logits)).toBeLessThan(1e-4);
    const byRelu = referenceForward(f.spec, f.weights, one, { splice: { [HOOK]: steeredByDefinition(base, x, 1, setup, RELU) } }).logits;
    expect(maxDiff(byRelu, clean.logits)).toBeGreaterThan(1e-3);
    await session.release();
  });
});

/** Mean over positions of a reference hook value [n, d]. */
function referenceMean(x: Float32Array, n: number): Float64Array {
  const d = x.length / n;
  const mean = new Float64Array(d);
  for (let i = 0; i < x.length; i++) mean[i % d] += x[i] / n;
  return mean;
}

describe.each(['tiny-gpt2', 'tiny-llama', 'tiny-gpt2-fused', 'tiny-llama-fused'])('%s raw vectors', (name) => {
  const A = [276, 116, 104, 101, 32, 99, 97, 116];
  const B = [276, 97, 32, 100, 111, 103];
  const LATENT_HOOK = 'blocks.0.hook_resid_mid';
  const DIFF_HOOK = 'blocks.1.hook_resid_post';

  it('a latent direction at another hook plus a normalised prompt difference change the logits exactly as the reference adds them', async () => {
    const { session: exposing } = await fixtureSession(name, { expose: [DIFF_HOOK], pruneToHooks: true });
    const f = fixture(name);
    const sae = randomSae(f.spec.dModel, D_SAE, 70);
    // 1. The difference vector from the graph equals the reference's means, A − B, unit length.
    const diff = differenceVector(await hookMean(exposing, DIFF_HOOK, A), await hookMean(exposing, DIFF_HOOK, B), true);
    const ma = referenceMean(referenceForward(f.spec, f.weights, A).hooks[DIFF_HOOK], A.length);
    const mb = referenceMean(referenceForward(f.spec, f.weights, B).hooks[DIFF_HOOK], B.length);
    const refDiff = ma.map((v, j) => v - mb[j]);
    const norm = Math.hypot(...refDiff);
    expect(maxDiff(diff, refDiff.map((v) => v / norm))).toBeLessThan(1e-5);
    // 2. Steering with both, an SAE latent at the SAE's hook too, matches the reference's additive steer.
    const setup: SteeringSetup = {
      multiplier: 2,
      latents: [{ latent: 4, strength: 3, method: 'additive' }],
      vectors: [
        { kind: 'latent', latent: 6, hook: LATENT_HOOK, strength: 5 },
        { kind: 'diff', promptA: 'the cat', promptB: 'a dog', hook: DIFF_HOOK, normalize: true, strength: -4 },
      ],
    };
    const plan = steeringPlan(HOOK, setup);
    expect(plan.steer).toEqual([LATENT_HOOK, HOOK, DIFF_HOOK].sort());
    const { session, surgery } = await fixtureSession(name, plan);
    const resolved = [
      { hook: LATENT_HOOK, direction: latentDirection(sae, 6, LATENT_HOOK, f.spec.dModel), strength: 5 },
      { hook: DIFF_HOOK, direction: diff, strength: -4 },
    ];
    const got = (await session.forward({ inputIds: PROMPT, batch: 1, extra: steeringFeeds(session, surgery, HOOK, setup, { weights: sae, rule: RELU }, resolved) })).logits.data as Float32Array;
    const scaled = (v: ArrayLike<number>, s: number) => Float32Array.from(v, (x) => x * s);
    const expected = referenceForward(f.spec, f.weights, PROMPT, {
      steer: {
        [HOOK]: scaled(sae.W_dec.subarray(4 * f.spec.dModel, 5 * f.spec.dModel), 2 * 3),
        [LATENT_HOOK]: scaled(sae.W_dec.subarray(6 * f.spec.dModel, 7 * f.spec.dModel), 2 * 5),
        [DIFF_HOOK]: scaled(refDiff.map((v) => v / norm), 2 * -4),
      },
    }).logits;
    expect(maxDiff(got, expected)).toBeLessThan(1e-4);
    expect(maxDiff(got, referenceForward(f.spec, f.weights, PROMPT).logits)).toBeGreaterThan(1e-3);
    await Promise.all([session.release(), exposing.release()]);
  });

  it('difference vectors steer without any SAE', async () => {
    const { session: exposing } = await fixtureSession(name, { expose: [DIFF_HOOK], pruneToHooks: true });
    const diff = differenceVector(await hookMean(exposing, DIFF_HOOK, A), await hookMean(exposing, DIFF_HOOK, B), false);
    const setup: SteeringSetup = { multiplier: 1, latents: [], vectors: [{ kind: 'diff', promptA: 'a', promptB: 'b', hook: DIFF_HOOK, normalize: false, strength: 1.5 }] };
    const { session, surgery, fixture: f } = await fixtureSession(name, steeringPlan(undefined, setup));
    const feeds = steeringFeeds(session, surgery, undefined, setup, undefined, [{ hook: DIFF_HOOK, direction: diff, strength: 1.5 }], f.spec.dModel);
    const got = (await session.forward({ inputIds: PROMPT, batch: 1, extra: feeds })).logits.data as Float32Array;
    const expected = referenceForward(f.spec, f.weights, PROMPT, { steer: { [DIFF_HOOK]: Float32Array.from(diff, (v) => v * 1.5) } }).logits;
    expect(maxDiff(got, expected)).toBeLessThan(1e-4);
    await Promise.all([session.release(), exposing.release()]);
  });
});

describe('steering input checks', () => {
  const sae = randomSae(8, D_SAE, 60);
  const one = (latent: number, strength: number, method: 'additive' | 'clamp' | 'cap' = 'additive'): SteeringSetup => ({ multiplier: 1, latents: [{ latent, strength, method }] });

  it('refuses a latent out of range, naming the valid range', () => {
    expect(() => validateSteering(one(D_SAE, 1), sae)).toThrow(/latent 12 is out of range; this SAE has latents 0–11/);
    expect(() => validateSteering(one(-1, 1), sae)).toThrow(LmError);
    expect(() => validateSteering(one(1.5, 1), sae)).toThrow(/out of range/);
  });

  it('refuses a non-finite strength or multiplier', () => {
    expect(() => validateSteering(one(2, Number.NaN), sae)).toThrow(/row 1: the strength must be a finite number/);
    expect(() => validateSteering(one(2, Infinity, 'clamp'), sae)).toThrow(/finite/);
    expect(() => validateSteering({ multiplier: Infinity, latents: [] }, sae)).toThrow(/multiplier must be a finite number/);
  });

  it('refuses a cap along a latent whose decoder row is zero', () => {
    const dead = { ...sae, W_dec: Float32Array.from(sae.W_dec).fill(0, 3 * 8, 4 * 8) };
    expect(() => validateSteering(one(3, 1, 'cap'), dead)).toThrow(/zero decoder row/);
    expect(() => validateSteering(one(3, 1, 'additive'), dead)).not.toThrow();
  });

  it('refuses an SAE whose width is not the model hook width', () => {
    expect(() => checkSaeFitsModel(sae, HOOK, 48, 'tiny-gpt2')).toThrow(/reads 8-wide activations, but blocks.1.hook_resid_pre of tiny-gpt2 is 48 wide/);
    expect(() => checkSaeFitsModel(sae, HOOK, 8, 'tiny-gpt2')).not.toThrow();
  });

  it('refuses raw vectors that cannot be built: latent out of range, no SAE, empty prompt, non-finite strength, wrong width, no direction', () => {
    const vec = (v: NonNullable<SteeringSetup['vectors']>[number]): SteeringSetup => ({ multiplier: 1, latents: [], vectors: [v] });
    expect(() => validateSteering(vec({ kind: 'latent', latent: 40, hook: HOOK, strength: 1 }), sae)).toThrow(/Vector 1: latent 40 is out of range; this SAE has latents 0–11/);
    expect(() => validateSteering(vec({ kind: 'latent', latent: 1, hook: HOOK, strength: 1 }), undefined)).toThrow(/needs an SAE/);
    expect(() => validateSteering(vec({ kind: 'diff', promptA: 'a', promptB: '  ', hook: HOOK, normalize: true, strength: 1 }), undefined)).toThrow(/needs two prompts, A and B/);
    expect(() => validateSteering(vec({ kind: 'diff', promptA: 'a', promptB: 'b', hook: HOOK, normalize: true, strength: Number.NaN }), undefined)).toThrow(/Vector 1: the strength must be a finite number/);
    expect(() => validateSteering(vec({ kind: 'diff', promptA: 'a', promptB: 'b', hook: HOOK, normalize: true, strength: 2 }), undefined)).not.toThrow();
    expect(() => validateSteering(one(1, 1), undefined)).toThrow(/Latent rows need an SAE/);
    expect(() => latentDirection(sae, 1, HOOK, 48)).toThrow(/decoder direction is 8 wide, but blocks.1.hook_resid_pre is 48 wide/);
    expect(() => differenceVector(new Float32Array([1, 2]), new Float32Array([1, 2]), true)).toThrow(/same mean activation/);
  });

  it('plans only the inputs the methods need: a clamp reads a TopK or JumpReLU activation, a cap alone a ReLU', () => {
    expect(steeringPlan(HOOK, one(1, 1))).toEqual({ steer: [HOOK], clamp: [] });
    expect(steeringPlan(HOOK, one(1, 1, 'cap'))).toEqual({ steer: [], clamp: [HOOK] });
    expect(steeringPlan(HOOK, one(1, 1, 'cap'), { kind: 'topk', k: 2 })).toEqual({ steer: [], clamp: [HOOK] });
    expect(steeringPlan(HOOK, one(1, 1, 'clamp'), { kind: 'relu' })).toEqual({ steer: [], clamp: [HOOK] });
    expect(steeringPlan(HOOK, one(1, 1, 'clamp'), { kind: 'topk', k: 2 })).toEqual({ steer: [], clamp: [HOOK], clampActivation: 'topk' });
    expect(steeringPlan(HOOK, one(1, 1, 'clamp'), { kind: 'threshold', logThreshold: new Float32Array(D_SAE) })).toEqual({ steer: [], clamp: [HOOK], clampActivation: 'jumprelu' });
  });

  it('refuses to feed a TopK clamp to a graph built for a ReLU one', async () => {
    const { session, surgery, fixture: f } = await fixtureSession('tiny-gpt2', steeringPlan(HOOK, one(1, 1, 'clamp')));
    const topk = randomSae(f.spec.dModel, D_SAE, 60);
    expect(() => steeringFeeds(session, surgery, HOOK, one(1, 1, 'clamp'), { weights: topk, rule: { kind: 'topk', k: 2 } })).toThrow(/built for another SAE's activation, not this topk one/);
    await session.release();
  });
});
