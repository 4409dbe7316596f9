// The evaluation's losses against the reference forward pass on every fixture family: CE clean,
// spliced and ablated computed here the plain way, and the scores' end points (a perfect and a zero SAE).
import { describe, expect, it } from 'vitest';
import { cpuEncoder, encodeReference } from '../features/encoder';
import { randomSae } from '../features/testing';
import { identitySae } from '../sae/weights.testing';
import type { SaeWeights } from '../sae/types';
import { emptySums, evaluateBatch, scores, type EvalModel } from './evaluate';
import { referenceForward } from './reference/forward';
import { fixtureSession } from './testing';

const HOOK = 'blocks.1.hook_resid_pre';
const CONTEXTS = [
  [276, 104, 101, 108, 108, 111, 32],
  [119, 111, 114, 108, 100, 33, 10],
];

const zeroSae = (d: number): SaeWeights => ({ dIn: d, dSae: 6, W_enc: new Float32Array(d * 6), W_dec: new Float32Array(6 * d), b_enc: new Float32Array(6), b_dec: new Float32Array(d) });

/** Mean −log softmax(logits)[next] over positions with a next token. */
function meanCe(logitsPerContext: Float32Array[], vocab: number): number {
  let sum = 0;
  let count = 0;
  logitsPerContext.forEach((logits, c) => {
    const toks = CONTEXTS[c];
    for (let t = 0; t + 1 < toks.length; t++) {
      const row = logits.subarray(t * vocab, (t + 1) * vocab);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      sum += lse - row[toks[t + 1]];
      count++;
    }
  });
  return sum / count;
}

/** Mean over every position of KL(softmax(clean) ‖ softmax(other)). */
function meanKl(clean: Float32Array[], other: Float32Array[], vocab: number): number {
  const logSoftmax = (row: Float32Array) => {
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    return Array.from(row, (v) => v - lse);
  };
  let sum = 0;
  let count = 0;
  clean.forEach((logits, c) => {
    for (let t = 0; t < logits.length / vocab; t++) {
      const p = logSoftmax(logits.subarray(t * vocab, (t + 1) * vocab));
      const q = logSoftmax(other[c].subarray(t * vocab, (t + 1) * vocab));
      sum += p.reduce((s, lp, v) => s + Math.exp(lp) * (lp - q[v]), 0);
      count++;
    }
  });
  return sum / count;
}

async function evalModel(name: string) {
  const hooked = await fixtureSession(name, { expose: [HOOK], pruneToHooks: true });
  const spliced = await fixtureSession(name, { splice: [HOOK] });
  const model: EvalModel = { hook: HOOK, hookSession: hooked.session, spliceSession: spliced.session, spliceInput: spliced.surgery.spliceInputs[HOOK] };
  const release = async () => {
    await hooked.session.release();
    await spliced.session.release();
  };
  return { model, fixture: spliced.fixture, release };
}

async function evaluate(model: EvalModel, sae: SaeWeights) {
  const sums = emptySums(sae.dIn, sae.dSae);
  await evaluateBatch(model, cpuEncoder(sae, { kind: 'relu' }), sae, CONTEXTS.flat(), CONTEXTS.length, sums);
  return scores(sums);
}

describe.each(['tiny-gpt2', 'tiny-llama', 'tiny-gpt2-fused', 'tiny-llama-fused'])('%s', (name) => {
  it('the clean, spliced and zero-ablated CE losses and the KLs equal the reference forward pass with the same splices', async () => {
    const { model, fixture: f, release } = await evalModel(name);
    const sae = randomSae(f.spec.dModel, 20, 70);
    const vocab = f.spec.vocabSize;
    const clean = CONTEXTS.map((toks) => referenceForward(f.spec, f.weights, toks));
    const recon = clean.map((r, c) => {
      const n = CONTEXTS[c].length;
      const acts = encodeReference(sae, { kind: 'relu' }, r.hooks[HOOK], n);
      const out = new Float32Array(n * sae.dIn);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < sae.dIn; j++) {
          let v = sae.b_dec[j];
          for (let k = 0; k < sae.dSae; k++) v += acts[i * sae.dSae + k] * sae.W_dec[k * sae.dIn + j];
          out[i * sae.dIn + j] = v;
        }
      }
      return out;
    });
    const spliced = CONTEXTS.map((toks, c) => referenceForward(f.spec, f.weights, toks, { splice: { [HOOK]: recon[c] } }).logits);
    const ablated = CONTEXTS.map((toks) => referenceForward(f.spec, f.weights, toks, { splice: { [HOOK]: new Float32Array(toks.length * f.spec.dModel) } }).logits);
    const got = await evaluate(model, sae);
    expect(got.tokens).toBe(CONTEXTS.flat().length);
    expect(got.ceClean).toBeCloseTo(meanCe(clean.map((r) => r.logits), vocab), 4);
    expect(got.ceSae).toBeCloseTo(meanCe(spliced, vocab), 4);
    expect(got.ceZero).toBeCloseTo(meanCe(ablated, vocab), 4);
    expect(got.ceSae).not.toBeCloseTo(got.ceClean, 3);
    expect(got.ceLossScore).toBeCloseTo((got.ceZero - got.ceSae) / (got.ceZero - got.ceClean), 10);
    expect(got.klSae).toBeCloseTo(meanKl(clean.map((r) => r.logits), spliced, vocab), 4);
    expect(got.klZero).toBeCloseTo(meanKl(clean.map((r) => r.logits), ablated, vocab), 4);
    expect(got.klSae).toBeGreaterThan(1e-3);
    await release();
  });

  it('an SAE that reconstructs its input exactly scores 1, and a zero SAE scores 0', async () => {
    const { model, fixture: f, release } = await evalModel(name);
    const perfect = await evaluate(model, identitySae(f.spec.dModel));
    expect(perfect.ceLossScore).toBeCloseTo(1, 4);
    expect(perfect.klDivScore).toBeCloseTo(1, 4);
    expect(perfect.explainedVariance).toBeCloseTo(1, 5);
    expect(perfect.mse).toBeLessThan(1e-10);
    const zero = await evaluate(model, zeroSae(f.spec.dModel));
    expect(zero.ceLossScore).toBeCloseTo(0, 6);
    expect(zero.klDivScore).toBeCloseTo(0, 6);
    expect(zero.l0).toBe(0);
    expect(zero.deadLatents).toBe(6);
    await release();
  });
});
