// What a feature analysis computes per latent (SAEDashboard's layout): statistics, top contexts,
// interval samples, histograms, logit effects and neighbours, as plain JSON-ready data.
import type { HistogramData } from '../storage/db';

export interface AnalysisOptions {
  /** Top activating examples kept per latent (20). */
  topK: number;
  /** Equal-width activation intervals over (0, max] (10). */
  intervals: number;
  /** Examples reservoir-sampled per interval (5). */
  perInterval: number;
  /** Bins of the activation histogram (50). */
  bins: number;
  /** Tokens shown each side of an example's token. */
  windowRadius: number;
  /** Seed of the reservoir sampling. */
  seed: number;
}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = { topK: 20, intervals: 10, perInterval: 5, bins: 50, windowRadius: 8, seed: 1 };

/** Top logit tokens and neighbours kept per latent. */
export const LOGIT_TOKENS = 10;
export const NEIGHBOURS = 10;

/** One activating token with its window: positions [start, start + acts.length) of its context. */
export interface FeatureExample {
  /** Index of the context in the analysed token source. */
  context: number;
  position: number;
  value: number;
  /** First position of the window. */
  start: number;
  /** This latent's activation at every window position (0 where it did not fire). */
  acts: number[];
  /** Token ids of the window (filled from the token source when the analysis is assembled). */
  tokens: number[];
}

export interface IntervalGroup {
  /** The interval (lo, hi] of activation values. */
  lo: number;
  hi: number;
  /** Activations that fell in it, and their share of all this latent's activations. */
  count: number;
  share: number;
  examples: FeatureExample[];
}

export interface LogitEntry {
  token: number;
  value: number;
}

export interface FeatureDetail {
  index: number;
  /** Tokens on which the latent was nonzero. */
  count: number;
  /** count / analysed tokens. */
  density: number;
  meanActive: number;
  max: number;
  top: FeatureExample[];
  intervals: IntervalGroup[];
  histogram: HistogramData;
  logits: { top: LogitEntry[]; bottom: LogitEntry[]; histogram: HistogramData };
  neighbours: { index: number; cosine: number }[];
  autoLabel: string;
}

/** One row of the feature list: what the table sorts, filters and searches. */
export interface FeatureSummaryRow {
  index: number;
  density: number;
  meanActive: number;
  max: number;
  autoLabel: string;
  /** Display text of the tokens that dominate the top contexts, and of the top logits (search). */
  topTokens: string[];
  /** Position on the feature map (UMAP of the decoder directions). */
  x?: number;
  y?: number;
}

/** The summary an analysis stores once: every latent's row, the vocabulary's display text, the density histogram. */
export interface AnalysisSummary {
  rows: FeatureSummaryRow[];
  /** Display text of every token id. */
  vocab: string[];
  /** log10 density of the latents that fired; `zero` counts those that never did. */
  densityHistogram: HistogramData;
}

/** The checkpoint an analyze job reads, once known: its state's (resolved from a run at start) or its params'. */
export function analysedSae(params: { saeId?: string }, state: { saeId?: string } | undefined): string | undefined {
  return state?.saeId ?? params.saeId;
}
