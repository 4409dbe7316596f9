// Steering against the reference forward pass: each method's edit is computed here the plain way
// (the whole SAE for clamp, the projection for cap), spliced into the reference, and compared with
// the hooked ONNX graph fed by `steeringFeeds`, on every fixture family.
import { describe, expect, it } from 'vitest';
import { randomSae, reluActs } from '../features/testing';
import type { SaeWeights } from '../sae/types';
import { LmError } from './errors';
import { referenceForward } from './reference/forward';
import { checkSaeFitsModel, steeringFeeds, steeringPlan, validateSteering, type SteeringSetup } from './steering';
import { fixtureSession } from './testing';

const PROMPT = [276, 104, 101, 108, 108, 111, 32, 119];
const HOOK = 'blocks.1.hook_resid_pre';
const D_SAE = 12;

/**
 * The steered hook value by the plain definitions: additive latents first, then every clamp and cap
 * measured on that additively steered stream (the SAE's activations, the projection).
 */
function steeredByDefinition(sae: SaeWeights, x: Float32Array, n: number, setup: SteeringSetup): Float32Array {
  const { dIn: d, dSae } = sae;
  const out = Float64Array.from(x);
  const row = (l: { latent: number }) => sae.W_dec.subarray(l.latent * d, (l.latent + 1) * d);
  for (const l of setup.latents.filter((m) => m.method === 'additive')) {
    const dec = row(l);
    for (let i = 0; i < n * d; i++) out[i] += setup.multiplier * l.strength * dec[i % d];
  }
  const steered = Float32Array.from(out);
  const acts = reluActs(sae, steered, n);
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
    const out = await session.forward({ inputIds: PROMPT, batch: 1, extra: steeringFeeds(session, surgery, HOOK, setup, sae) });
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
    const acts = reluActs(sae, clean.hooks[HOOK], 1);
    const active = acts.findIndex((a) => a > 0);
    expect(active).toBeGreaterThanOrEqual(0);
    const setup: SteeringSetup = { multiplier: 1, latents: [{ latent: active, strength: acts[active], method: 'clamp' }] };
    const out = await session.forward({ inputIds: one, batch: 1, extra: steeringFeeds(session, surgery, HOOK, setup, sae) });
    expect(maxDiff(out.logits.data as Float32Array, clean.logits)).toBeLessThan(1e-4);
    await session.release();
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

  it('plans only the inputs the methods need', () => {
    expect(steeringPlan(HOOK, one(1, 1))).toEqual({ steer: [HOOK], clamp: [] });
    expect(steeringPlan(HOOK, one(1, 1, 'cap'))).toEqual({ steer: [], clamp: [HOOK] });
  });
});
