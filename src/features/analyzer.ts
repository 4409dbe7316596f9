// The analysis as a step-wise, resumable computation with no storage: each step runs a batch of
// contexts through the hooked model and the SAE encoder into the accumulator (two passes over
// the same contexts), then latents are assembled block by block with their token windows, logit
// effects and neighbours. A job persists its snapshots; tests drive it directly.
import { tensorToFloat32, type TokenSource } from '../lm/extract';
import type { LmSession } from '../lm/session';
import type { HistogramData } from '../storage/db';
import { FeatureAccumulator, type AccumulatorSnapshot } from './accumulate';
import { autoLabel, dominantTokens } from './autoLabel';
import { logitEffects, type NeighbourSearch, type RowProduct } from './effects';
import type { Encoder } from './encoder';
import type { AnalysisOptions, FeatureDetail, FeatureExample, FeatureSummaryRow, IntervalGroup } from './types';

/** Where the passes stand: a snapshot taken at a batch boundary resumes exactly. */
export interface AnalyzerPosition {
  phase: 'stats' | 'samples' | 'done';
  /** Next context of the current pass. */
  cursor: number;
}

export interface AnalyzerSource extends TokenSource {
  contextSize: number;
}

export interface AnalyzerConfig {
  hook: string;
  /** Contexts analysed (≤ the source's). */
  contexts: number;
  /** Contexts per forward pass. */
  batchContexts: number;
  options: AnalysisOptions;
}

export class Analyzer {
  readonly acc: FeatureAccumulator;
  private pos: AnalyzerPosition;

  constructor(
    private readonly session: LmSession,
    private readonly source: AnalyzerSource,
    private readonly encoder: Encoder,
    readonly config: AnalyzerConfig,
    resume?: { position: AnalyzerPosition; snapshot: AccumulatorSnapshot },
  ) {
    if (!session.signature.outputs.includes(config.hook)) throw new Error(`The session does not expose ${config.hook}.`);
    this.acc = resume ? FeatureAccumulator.restore(resume.snapshot, encoder.dSae, config.options) : new FeatureAccumulator(encoder.dSae, config.options);
    this.pos = resume ? { ...resume.position } : { phase: 'stats', cursor: 0 };
  }

  get position(): AnalyzerPosition {
    return { ...this.pos };
  }

  get done(): boolean {
    return this.pos.phase === 'done';
  }

  /** 0..1 over both passes. */
  get progress(): number {
    const pass = this.pos.cursor / this.config.contexts;
    return this.pos.phase === 'done' ? 1 : this.pos.phase === 'stats' ? pass / 2 : 0.5 + pass / 2;
  }

  /** One batch of the current pass: read, forward, encode, accumulate; a finished pass starts the next. */
  async step(): Promise<void> {
    if (this.done) return;
    const { contextSize } = this.source;
    const start = this.pos.cursor;
    const count = Math.min(this.config.batchContexts, this.config.contexts - start);
    const { tokens } = await this.source.read(start, count);
    const out = await this.session.forward({ inputIds: tokens, batch: count });
    const x = tensorToFloat32(out[this.config.hook]);
    const acts = await this.encoder.encode(x, count * contextSize);
    this.acc.add({ firstContext: start, contextSize, acts });
    const cursor = start + count;
    if (cursor < this.config.contexts) this.pos = { ...this.pos, cursor };
    else if (this.pos.phase === 'stats') {
      this.acc.beginSamples();
      this.pos = { phase: 'samples', cursor: 0 };
    } else this.pos = { phase: 'done', cursor };
  }
}

/** Reads the token windows of `examples` from the source (one read per distinct context). */
async function fillTokens(source: TokenSource & { contextSize: number }, examples: FeatureExample[]): Promise<void> {
  const contexts = new Map<number, Int32Array>();
  for (const ex of examples) {
    let tokens = contexts.get(ex.context);
    if (!tokens) contexts.set(ex.context, (tokens = (await source.read(ex.context, 1)).tokens));
    ex.tokens = Array.from(tokens.subarray(ex.start, ex.start + ex.acts.length));
  }
}

export interface AssembleInputs {
  acc: FeatureAccumulator;
  source: AnalyzerSource;
  /** W_dec rows [dSae, dIn]: the rows of a block are multiplied by the unembedding. */
  wDec: Float32Array;
  dIn: number;
  logits: RowProduct;
  neighbours: NeighbourSearch;
  vocab: string[];
}

/** Latents [from, to) with every panel's data. */
export async function assembleLatents(inp: AssembleInputs, from: number, to: number): Promise<FeatureDetail[]> {
  const { acc, dIn } = inp;
  const { bins, intervals: I } = acc.opts;
  const rows = to - from;
  const logitRows = await inp.logits.multiply(inp.wDec.subarray(from * dIn, to * dIn), rows);
  const neighbours = await inp.neighbours.neighbours(from, to);
  const details: FeatureDetail[] = [];
  for (let j = from; j < to; j++) {
    const count = acc.count[j];
    const max = acc.max[j];
    const top = acc.top[j].map((e) => ({ ...e, tokens: [] as number[] }));
    const intervals: IntervalGroup[] = [];
    for (let i = 0; i < I; i++) {
      const n = acc.intervalCounts[j * I + i];
      const examples = (acc.reservoirs[j * I + i] ?? []).map((e) => ({ ...e, tokens: [] as number[] })).sort((a, b) => b.value - a.value);
      intervals.push({ lo: (max * i) / I, hi: (max * (i + 1)) / I, count: n, share: count ? n / count : 0, examples });
    }
    await fillTokens(inp.source, [...top, ...intervals.flatMap((g) => g.examples)]);
    const histogram: HistogramData = {
      edges: Array.from({ length: bins + 1 }, (_, b) => (max * b) / bins),
      counts: Array.from(acc.hist.subarray(j * bins, (j + 1) * bins)),
    };
    const logits = logitEffects(logitRows.subarray((j - from) * inp.logits.cols, (j - from + 1) * inp.logits.cols));
    details.push({
      index: j,
      count,
      density: acc.tokens ? count / acc.tokens : 0,
      meanActive: count ? acc.sum[j] / count : 0,
      max,
      top,
      intervals,
      histogram,
      logits,
      neighbours: neighbours[j - from],
      autoLabel: autoLabel(top, logits.top, inp.vocab),
    });
  }
  return details;
}

/** The feature list's row of an assembled latent. */
export function summaryRow(d: FeatureDetail, vocab: string[]): FeatureSummaryRow {
  const fires = dominantTokens(d.top, vocab).slice(0, 3).map((t) => t.text);
  const promotes = d.logits.top.slice(0, 3).map((l) => vocab[l.token] ?? '');
  return { index: d.index, density: d.density, meanActive: d.meanActive, max: d.max, autoLabel: d.autoLabel, topTokens: [...fires, ...promotes] };
}

/** log10 density of the latents that fired, in `bins` bins; `zero` counts the dead ones. */
export function densityHistogram(rows: FeatureSummaryRow[], bins = 40): HistogramData {
  const logs = rows.filter((r) => r.density > 0).map((r) => Math.log10(r.density));
  const zero = rows.length - logs.length;
  if (!logs.length) return { edges: [], counts: [], zero };
  const lo = Math.floor(logs.reduce((a, b) => Math.min(a, b)));
  const hi = Math.max(lo + 1, Math.ceil(logs.reduce((a, b) => Math.max(a, b))));
  const counts = new Array<number>(bins).fill(0);
  for (const l of logs) counts[Math.min(bins - 1, Math.floor(((l - lo) / (hi - lo)) * bins))]++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins), counts, zero };
}
