// The logit lens grid against the reference forward pass on every fixture family: each layer's
// residual put through the reference's own final norm and unembedding (spliced at the last hook).
import { describe, expect, it } from 'vitest';
import { LENS_TOP, lensHooks, lensPlans, logitLens } from './logitLens';
import { referenceForward } from './reference/forward';
import { fixture, fixtureSession } from './testing';

const PROMPT = [276, 104, 101, 108, 108, 111, 32, 119, 111];

describe.each(['tiny-gpt2', 'tiny-llama', 'tiny-gpt2-fused', 'tiny-llama-fused'])('%s', (name) => {
  it("every cell's top tokens and probabilities equal the reference's unembedding of that layer's residual", async () => {
    const nLayers = fixture(name).spec.nLayers;
    const plans = lensPlans(nLayers);
    const residuals = await fixtureSession(name, plans.residuals);
    const lens = await fixtureSession(name, plans.lens);
    const { spec, weights } = lens.fixture;
    const hooks = lensHooks(nLayers);
    const grid = await logitLens(residuals.session, lens.session, lens.surgery.spliceInputs[hooks[hooks.length - 1]], nLayers, PROMPT);
    expect(grid.hooks).toEqual(hooks);
    const clean = referenceForward(spec, weights, PROMPT);
    const vocab = spec.vocabSize;
    hooks.forEach((h, row) => {
      const logits = referenceForward(spec, weights, PROMPT, { splice: { [hooks[hooks.length - 1]]: clean.hooks[h] } }).logits;
      for (let t = 0; t < PROMPT.length; t++) {
        const cell = logits.subarray(t * vocab, (t + 1) * vocab);
        const max = Math.max(...cell);
        const z = cell.reduce((s, v) => s + Math.exp(v - max), 0);
        const order = Array.from(cell.keys()).sort((a, b) => cell[b] - cell[a]);
        const at = (row * PROMPT.length + t) * LENS_TOP;
        expect(grid.top[at], `${h} position ${t}`).toBe(order[0]);
        for (let k = 0; k < LENS_TOP; k++) expect(grid.prob[at + k]).toBeCloseTo(Math.exp(cell[order[k]] - max) / z, 5);
      }
    });
    // The last row is the model's own prediction.
    const last = (hooks.length - 1) * PROMPT.length;
    for (let t = 0; t < PROMPT.length; t++) {
      const cell = clean.logits.subarray(t * vocab, (t + 1) * vocab);
      expect(grid.top[(last + t) * LENS_TOP]).toBe(cell.indexOf(Math.max(...cell)));
    }
    await residuals.session.release();
    await lens.session.release();
  });
});
