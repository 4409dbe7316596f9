// A feature set as Neuronpedia batch JSON, so work done here can be published: each latent in
// SAEDashboard's NeuronpediaDashboardFeature shape (the batch files Neuronpedia imports), and each
// label in the shape of Neuronpedia's explanations export ({modelId, layer, index, description, …}).
import type { HistogramData } from '../storage/db';
import type { FeatureDetail, FeatureExample } from './types';

/** What the batch says about where its latents come from. */
export interface NeuronpediaMeta {
  /** Neuronpedia's model id (e.g. "gpt2-small"). */
  modelId: string;
  layer: number;
  /** The SAE set's name; with the layer it makes the source id "<layer>-<saeSet>". */
  saeSet: string;
  /** Contexts analysed, tokens per context, and the dataset they came from. */
  prompts: number;
  tokensPerPrompt: number;
  dataset: string;
}

/** A latent's label for the explanations: written by a person, or Lantern's automatic one. */
export interface NeuronpediaLabel {
  text: string;
  byPerson: boolean;
}

export interface NeuronpediaActivation {
  bin_min: number;
  bin_max: number;
  bin_contains: number;
  tokens: string[];
  values: number[];
}

export interface NeuronpediaFeature {
  feature_index: number;
  neuron_alignment_indices: number[];
  neuron_alignment_values: number[];
  neuron_alignment_l1: number[];
  correlated_neurons_indices: number[];
  correlated_neurons_l1: number[];
  correlated_neurons_pearson: number[];
  correlated_features_indices: number[];
  correlated_features_l1: number[];
  correlated_features_pearson: number[];
  neg_str: string[];
  neg_values: number[];
  pos_str: string[];
  pos_values: number[];
  frac_nonzero: number;
  freq_hist_data_bar_values: number[];
  freq_hist_data_bar_heights: number[];
  logits_hist_data_bar_heights: number[];
  logits_hist_data_bar_values: number[];
  n_prompts_total: number;
  n_tokens_in_prompt: number;
  dataset: string;
  decoder_weights_dist: number[];
  activations: NeuronpediaActivation[];
}

export interface NeuronpediaExplanation {
  modelId: string;
  /** The source id, "<layer>-<saeSet>". */
  layer: string;
  index: string;
  description: string;
  typeName: string;
  explanationModelName: string;
}

export interface NeuronpediaBatch {
  model_id: string;
  layer: number;
  sae_set: string;
  features: NeuronpediaFeature[];
  explanations: NeuronpediaExplanation[];
}

/** Three decimals, as SAEDashboard's converter rounds every value list. */
const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** Bar midpoints and heights of a histogram (SAEDashboard's bar_values / bar_heights). */
function bars(h: HistogramData): { values: number[]; heights: number[] } {
  return { values: h.counts.map((_, i) => round3((h.edges[i] + h.edges[i + 1]) / 2)), heights: h.counts.slice() };
}

const tokenText = (vocab: string[], id: number) => vocab[id] ?? '<|outofrange|>';

function activation(e: FeatureExample, vocab: string[], bin: Pick<NeuronpediaActivation, 'bin_min' | 'bin_max' | 'bin_contains'>): NeuronpediaActivation {
  return { ...bin, tokens: e.tokens.map((t) => tokenText(vocab, t)), values: e.acts.map(round3) };
}

/**
 * One latent as SAEDashboard's converter writes it: the top examples as the bin (-1, max, -1), then
 * each interval group (lo, hi, share). What Lantern does not compute (neuron alignment, activation
 * correlations, per-head decoder weights) is left as empty lists.
 */
export function neuronpediaFeature(d: FeatureDetail, vocab: string[], meta: NeuronpediaMeta): NeuronpediaFeature {
  const freq = bars(d.histogram);
  const logits = bars(d.logits.histogram);
  return {
    feature_index: d.index,
    neuron_alignment_indices: [],
    neuron_alignment_values: [],
    neuron_alignment_l1: [],
    correlated_neurons_indices: [],
    correlated_neurons_l1: [],
    correlated_neurons_pearson: [],
    correlated_features_indices: [],
    correlated_features_l1: [],
    correlated_features_pearson: [],
    neg_str: d.logits.bottom.map((l) => tokenText(vocab, l.token)),
    neg_values: d.logits.bottom.map((l) => round3(l.value)),
    pos_str: d.logits.top.map((l) => tokenText(vocab, l.token)),
    pos_values: d.logits.top.map((l) => round3(l.value)),
    frac_nonzero: d.density,
    freq_hist_data_bar_values: freq.values,
    freq_hist_data_bar_heights: freq.heights,
    logits_hist_data_bar_heights: logits.heights,
    logits_hist_data_bar_values: logits.values,
    n_prompts_total: meta.prompts,
    n_tokens_in_prompt: meta.tokensPerPrompt,
    dataset: meta.dataset,
    decoder_weights_dist: [],
    activations: [
      ...d.top.map((e) => activation(e, vocab, { bin_min: -1, bin_max: round3(d.max), bin_contains: -1 })),
      ...d.intervals.flatMap((g) => g.examples.map((e) => activation(e, vocab, { bin_min: round3(g.lo), bin_max: round3(g.hi), bin_contains: g.share }))),
    ],
  };
}

/** The batch: every latent of `details` in order, and an explanation for each labelled one. */
export function neuronpediaBatch(meta: NeuronpediaMeta, details: FeatureDetail[], vocab: string[], labels: Map<number, NeuronpediaLabel>): NeuronpediaBatch {
  const source = `${meta.layer}-${meta.saeSet}`;
  const explanations: NeuronpediaExplanation[] = [];
  for (const d of details) {
    const label = labels.get(d.index);
    if (!label?.text.trim()) continue;
    explanations.push({
      modelId: meta.modelId,
      layer: source,
      index: String(d.index),
      description: label.text.trim(),
      typeName: label.byPerson ? 'lantern-human' : 'lantern-top-tokens',
      explanationModelName: label.byPerson ? 'human' : 'lantern-autolabel',
    });
  }
  return { model_id: meta.modelId, layer: meta.layer, sae_set: meta.saeSet, features: details.map((d) => neuronpediaFeature(d, vocab, meta)), explanations };
}
