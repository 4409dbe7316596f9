// Neuronpedia batch export: a latent carries SAEDashboard's NeuronpediaDashboardFeature keys, its
// top examples and interval groups as bins, token text from the vocabulary, rounded values and bar
// midpoints; labelled latents get explanations in Neuronpedia's export shape.
import { describe, expect, it } from 'vitest';
import { neuronpediaBatch, type NeuronpediaMeta } from './neuronpedia';
import type { FeatureDetail } from './types';

/** The keys of SAEDashboard's NeuronpediaDashboardFeature.to_dict() and NeuronpediaDashboardActivation.to_dict(). */
const FEATURE_KEYS = [
  'feature_index', 'neuron_alignment_indices', 'neuron_alignment_values', 'neuron_alignment_l1', 'correlated_neurons_indices',
  'correlated_neurons_l1', 'correlated_neurons_pearson', 'correlated_features_indices', 'correlated_features_l1', 'correlated_features_pearson',
  'neg_str', 'neg_values', 'pos_str', 'pos_values', 'frac_nonzero', 'freq_hist_data_bar_values', 'freq_hist_data_bar_heights',
  'logits_hist_data_bar_heights', 'logits_hist_data_bar_values', 'n_prompts_total', 'n_tokens_in_prompt', 'dataset', 'decoder_weights_dist', 'activations',
];
const ACTIVATION_KEYS = ['bin_min', 'bin_max', 'bin_contains', 'tokens', 'values'];

const vocab = ['<bos>', ' the', ' fox', ' ran', ' away'];
const meta: NeuronpediaMeta = { modelId: 'tiny-gpt2', layer: 1, saeSet: 'lantern-demo', prompts: 24, tokensPerPrompt: 64, dataset: 'demo corpus' };

function detail(index: number): FeatureDetail {
  return {
    index,
    count: 3,
    density: 0.125,
    meanActive: 1.5,
    max: 2.34567,
    top: [{ context: 4, position: 2, value: 2.34567, start: 1, acts: [0, 2.34567, 0.10049], tokens: [1, 2, 3] }],
    intervals: [
      { lo: 0, hi: 1.1728, count: 1, share: 1 / 3, examples: [{ context: 7, position: 0, value: 0.5, start: 0, acts: [0.5, 0], tokens: [0, 4] }] },
      { lo: 1.1728, hi: 2.34567, count: 2, share: 2 / 3, examples: [] },
    ],
    histogram: { edges: [0, 1, 2.5], counts: [1, 2] },
    logits: { top: [{ token: 2, value: 0.91234 }], bottom: [{ token: 4, value: -0.5 }, { token: 99, value: -0.7 }], histogram: { edges: [-1, 0, 1], counts: [3, 2] } },
    neighbours: [{ index: 0, cosine: 0.4 }],
    autoLabel: '“ fox”',
  };
}

describe('neuronpediaBatch', () => {
  it("writes each latent with exactly SAEDashboard's feature and activation keys, top examples as the bin (-1, max, -1) then each interval", () => {
    const batch = neuronpediaBatch(meta, [detail(3)], vocab, new Map());
    expect(batch).toMatchObject({ model_id: 'tiny-gpt2', layer: 1, sae_set: 'lantern-demo', explanations: [] });
    const [f] = batch.features;
    expect(Object.keys(f).sort()).toEqual([...FEATURE_KEYS].sort());
    for (const a of f.activations) expect(Object.keys(a).sort()).toEqual([...ACTIVATION_KEYS].sort());
    expect(f.activations).toEqual([
      { bin_min: -1, bin_max: 2.346, bin_contains: -1, tokens: [' the', ' fox', ' ran'], values: [0, 2.346, 0.1] },
      { bin_min: 0, bin_max: 1.173, bin_contains: 1 / 3, tokens: ['<bos>', ' away'], values: [0.5, 0] },
    ]);
    expect(f).toMatchObject({ feature_index: 3, frac_nonzero: 0.125, n_prompts_total: 24, n_tokens_in_prompt: 64, dataset: 'demo corpus' });
  });

  it('names logit tokens by their text (an id past the vocabulary as <|outofrange|>) and gives histograms as bar midpoints and heights', () => {
    const [f] = neuronpediaBatch(meta, [detail(0)], vocab, new Map()).features;
    expect([f.pos_str, f.pos_values, f.neg_str, f.neg_values]).toEqual([[' fox'], [0.912], [' away', '<|outofrange|>'], [-0.5, -0.7]]);
    expect([f.freq_hist_data_bar_values, f.freq_hist_data_bar_heights]).toEqual([[0.5, 1.75], [1, 2]]);
    expect([f.logits_hist_data_bar_values, f.logits_hist_data_bar_heights]).toEqual([[-0.5, 0.5], [3, 2]]);
  });

  it("explains each labelled latent in Neuronpedia's explanations shape, a person's label apart from an automatic one, and skips blank labels", () => {
    const labels = new Map([
      [0, { text: ' river words ', byPerson: true }],
      [1, { text: '“ fox”', byPerson: false }],
      [2, { text: '  ', byPerson: true }],
    ]);
    const batch = neuronpediaBatch(meta, [detail(0), detail(1), detail(2)], vocab, labels);
    expect(batch.features.map((f) => f.feature_index)).toEqual([0, 1, 2]);
    expect(batch.explanations).toEqual([
      { modelId: 'tiny-gpt2', layer: '1-lantern-demo', index: '0', description: 'river words', typeName: 'lantern-human', explanationModelName: 'human' },
      { modelId: 'tiny-gpt2', layer: '1-lantern-demo', index: '1', description: '“ fox”', typeName: 'lantern-top-tokens', explanationModelName: 'lantern-autolabel' },
    ]);
  });
});
