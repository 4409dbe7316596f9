// The planted-feature test: an SAE whose latent detects the fixture GPT-2's activation for one
// token (" the") at blocks.1.hook_resid_post, analysed through the real ORT session: its top
// contexts are exactly the token's occurrences, its density is the token's frequency, and its
// top logits equal W_dec[j]·W_U with the reference forward pass's own unembedding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSession, type FixtureSession } from '../lm/testing';
import { Analyzer, assembleLatents, type AnalyzerSource } from './analyzer';
import { cpuNeighbours, cpuProduct, unitRows } from './effects';
import { cpuEncoder, encoderRule } from './encoder';
import { plantedSae, fixtureTokenizer } from './testing';
import { vocabularyText } from './tokens';
import { DEFAULT_ANALYSIS_OPTIONS, type FeatureDetail } from './types';
import { findUnembedding } from './unembedding';

const HOOK = 'blocks.1.hook_resid_post';
const planted = () => plantedSae({ hook: HOOK, dSae: 7, latent: 3, token: 262, contextSize: 16 });

function tokenSource(tokens: Int32Array, contextSize: number): AnalyzerSource {
  return { contextSize, numSequences: tokens.length / contextSize, read: async (start, count) => ({ tokens: tokens.slice(start * contextSize, (start + count) * contextSize) }) };
}

let fs: FixtureSession;
let details: FeatureDetail[];
let p: ReturnType<typeof planted>;

beforeAll(async () => {
  p = planted();
  fs = await fixtureSession('tiny-gpt2', { expose: [HOOK], pruneToHooks: true });
  const source = tokenSource(p.tokens, p.contextSize);
  const options = { ...DEFAULT_ANALYSIS_OPTIONS, windowRadius: 3 };
  const analyzer = new Analyzer(fs.session, source, cpuEncoder(p.weights, encoderRule('relu', p.weights)), { hook: HOOK, contexts: p.contexts, batchContexts: 3, options });
  while (!analyzer.done) await analyzer.step();
  const { W_U, vocab } = findUnembedding(fs.fixture.files.get('onnx/model.onnx')!, [], 48);
  const { tokenizer, tokenizerJson } = fixtureTokenizer();
  details = await assembleLatents(
    {
      acc: analyzer.acc,
      source,
      wDec: p.weights.W_dec,
      dIn: 48,
      logits: cpuProduct(W_U, 48, vocab, 'nn'),
      neighbours: cpuNeighbours(unitRows(p.weights.W_dec, 7, 48), 7, 48),
      vocab: vocabularyText(tokenizer, vocab, tokenizerJson),
    },
    0,
    7,
  );
}, 60_000);
afterAll(() => fs?.session.release());

describe('planted feature', () => {
  it('has the token’s occurrences, and only them, as its top contexts, each centred on the token', () => {
    const d = details[p.latent];
    expect(p.occurrences.length).toBeGreaterThan(3);
    expect(p.occurrences.length).toBeLessThanOrEqual(20);
    const top = d.top.map((e) => `${e.context}:${e.position}`).sort();
    expect(top).toEqual(p.occurrences.map((o) => `${o.context}:${o.position}`).sort());
    for (const e of d.top) {
      expect(e.tokens[e.position - e.start]).toBe(p.token);
      expect(e.acts[e.position - e.start]).toBe(e.value);
      // Inside the window it fires on the token alone.
      e.tokens.forEach((t, i) => expect(e.acts[i] > 0).toBe(t === p.token));
      expect(Array.from(p.tokens.subarray(e.context * p.contextSize + e.start, e.context * p.contextSize + e.start + e.tokens.length))).toEqual(e.tokens);
    }
    for (let i = 1; i < d.top.length; i++) expect(d.top[i - 1].value).toBeGreaterThanOrEqual(d.top[i].value);
  });

  it('has the token’s frequency as its density, and the reference values as its mean and max', () => {
    const d = details[p.latent];
    expect(d.count).toBe(p.occurrences.length);
    expect(d.density).toBe(p.occurrences.length / p.tokens.length);
    const mean = p.referenceValues.reduce((a, b) => a + b, 0) / p.referenceValues.length;
    expect(d.meanActive).toBeCloseTo(mean, 3);
    expect(d.max).toBeCloseTo(Math.max(...p.referenceValues), 3);
  });

  it('groups every activation into intervals over (0, max] whose shares sum to 1, with the histogram counting each once', () => {
    const d = details[p.latent];
    expect(d.intervals).toHaveLength(10);
    expect(d.intervals.reduce((s, g) => s + g.count, 0)).toBe(d.count);
    expect(d.intervals.reduce((s, g) => s + g.share, 0)).toBeCloseTo(1, 12);
    for (const g of d.intervals) {
      expect(g.examples.length).toBe(Math.min(5, g.count));
      for (const e of g.examples) {
        expect(e.value).toBeGreaterThan(g.lo);
        expect(e.value).toBeLessThanOrEqual(g.hi * (1 + 1e-6));
        expect(e.tokens[e.position - e.start]).toBe(p.token);
      }
    }
    expect(d.histogram.counts.reduce((a, b) => a + b, 0)).toBe(d.count);
    expect(d.histogram.edges.at(-1)).toBeCloseTo(d.max, 6);
  });

  it('has as top logits W_dec[j]·W_U computed with the reference forward pass’s unembedding', () => {
    const { spec, weights } = fs.fixture;
    const V = spec.vocabSize;
    const row = Array.from({ length: V }, (_, t) => {
      let s = 0;
      for (let k = 0; k < spec.dModel; k++) s += p.weights.W_dec[p.latent * spec.dModel + k] * weights.lmHead[k * V + t];
      return { token: t, value: s };
    });
    const top = [...row].sort((a, b) => b.value - a.value).slice(0, 10);
    const bottom = [...row].sort((a, b) => a.value - b.value).slice(0, 10);
    const d = details[p.latent];
    expect(d.logits.top.map((l) => l.token)).toEqual(top.map((l) => l.token));
    expect(d.logits.bottom.map((l) => l.token)).toEqual(bottom.map((l) => l.token));
    d.logits.top.forEach((l, i) => expect(l.value).toBeCloseTo(top[i].value, 5));
    expect(d.logits.histogram.counts.reduce((a, b) => a + b, 0)).toBe(V);
  });

  it('names itself after the token it fires on, and lists its decoder neighbours by cosine', () => {
    const d = details[p.latent];
    expect(d.autoLabel.startsWith('“the”')).toBe(true);
    expect(d.neighbours).toHaveLength(6);
    expect(d.neighbours.map((n) => n.index)).not.toContain(p.latent);
    for (let i = 1; i < d.neighbours.length; i++) expect(d.neighbours[i - 1].cosine).toBeGreaterThanOrEqual(d.neighbours[i].cosine);
  });
});
