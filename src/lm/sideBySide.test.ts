// Side-by-side generation: the default column equals plain generation, the steered column the
// reference's steered greedy decode; tokens arrive alternately with their probabilities.
import { describe, expect, it } from 'vitest';
import { randomArray } from '@/gpu/testing';
import { referenceGreedy } from './reference/forward';
import { firstDifference, sideBySide, tokenStep, type Side } from './sideBySide';
import { additiveVector, steeringFeeds, steeringPlan, type SteeringSetup } from './steering';
import { fixtureSession } from './testing';

const PROMPT = [276, 104, 101, 108, 108, 111];
const HOOK = 'blocks.0.hook_resid_post';

describe('sideBySide', () => {
  it('streams the default and the steered greedy continuations alternately, matching the reference', async () => {
    const plain = await fixtureSession('tiny-llama');
    const setup: SteeringSetup = { multiplier: 1, latents: [{ latent: 1, strength: 8, method: 'additive' }, { latent: 2, strength: 3, method: 'clamp' }] };
    const steered = await fixtureSession('tiny-llama', steeringPlan(HOOK, setup));
    const d = plain.fixture.spec.dModel;
    const sae = { dIn: d, dSae: 4, W_enc: randomArray(d * 4, 1), W_dec: randomArray(4 * d, 2), b_enc: randomArray(4, 3), b_dec: randomArray(d, 4, -0.1, 0.1) };
    const order: Side[] = [];
    const probs: number[] = [];
    const out = await sideBySide(plain.session, steered.session, PROMPT, { maxNewTokens: 6, feeds: steeringFeeds(steered.session, steered.surgery, HOOK, setup, { weights: sae, rule: { kind: 'relu' } }) }, (side, step, index) => {
      order.push(side);
      probs.push(step.prob);
      expect(index).toBe(order.filter((s) => s === side).length - 1);
      expect(step.top[0].token).toBe(step.token);
    });
    const f = plain.fixture;
    expect(out.default).toEqual(referenceGreedy(f.spec, f.weights, PROMPT, 6));
    expect(out.steered).not.toEqual(out.default);
    expect(order).toEqual(['default', 'steered', 'default', 'steered', 'default', 'steered', 'default', 'steered', 'default', 'steered', 'default', 'steered']);
    for (const p of probs) expect(p).toBeGreaterThan(0);
    const additiveOnly = { ...setup, latents: setup.latents.slice(0, 1) };
    const steerOnly = await fixtureSession('tiny-llama', { steer: [HOOK] });
    const again = await sideBySide(plain.session, steerOnly.session, PROMPT, { maxNewTokens: 6, feeds: steeringFeeds(steerOnly.session, steerOnly.surgery, HOOK, additiveOnly, { weights: sae, rule: { kind: 'relu' } }) }, () => {});
    expect(again.steered).toEqual(referenceGreedy(f.spec, f.weights, PROMPT, 6, { steer: { [HOOK]: additiveVector(additiveOnly, sae) } }));
    await Promise.all([plain.session.release(), steered.session.release(), steerOnly.session.release()]);
  });

  it('tokenStep gives softmax probabilities and the top 5 in order', () => {
    const logits = [0, Math.log(4), Math.log(2), -50, Math.log(3), Math.log(2), Math.log(0.5)];
    const s = tokenStep(logits, 2);
    const z = 1 + 4 + 2 + Math.exp(-50) + 3 + 2 + 0.5;
    expect(s.prob).toBeCloseTo(2 / z, 12);
    expect(s.top.map((c) => c.token)).toEqual([1, 4, 2, 5, 0]);
    expect(s.top[0].prob).toBeCloseTo(4 / z, 12);
  });

  it('firstDifference finds where two continuations part', () => {
    expect(firstDifference([1, 2, 3], [1, 2, 4])).toBe(2);
    expect(firstDifference([5], [6, 7])).toBe(0);
    expect(firstDifference([1, 2], [1, 2, 3])).toBe(-1);
  });
});
