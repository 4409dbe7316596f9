// Data behind the Features pages: which SAE, the model and hook it reads (from its run or import
// metadata), the analysis form and its job, the stored summary and latents, person-written labels,
// and the list's sorting, filtering and search. No markup here.
import type { MapPoint } from '../../components/charts/FeatureMap';
import { listHooks } from '../../lm/hooks';
import type { ModelSummary } from '../../lm/config';
import type { AnalyzeParams } from '../../jobs/kinds/analyze';
import { neuronpediaBatch, type NeuronpediaBatch } from '../../features/neuronpedia';
import type { FeatureDetail, FeatureSummaryRow } from '../../features/types';
import { readBlock } from '../../storage/analyses';
import type { ProbeResult } from '../../features/probe';
import type { ActivationSource, AnalysisRecord, FeatureRecord, LanternDb, ModelRecord, RunRecord } from '../../storage/db';
import { IMPORTED_RUN_ID, type LibraryCheckpoint } from '../../storage/checkpoints';

/** The model and hook an SAE reads, as far as its run or import says. */
export interface SaeTarget {
  modelId?: string;
  hook?: string;
}

type RunSource = { type?: string; setId?: string; modelId?: string; hook?: string };

export async function saeTarget(db: LanternDb, c: LibraryCheckpoint): Promise<SaeTarget> {
  if (c.origin) {
    const model = c.origin.modelName ? await db.models.where('repo').equals(c.origin.modelName).first() : undefined;
    return { modelId: model?.id, hook: c.origin.hookName ?? undefined };
  }
  const run: RunRecord | undefined = c.runId === IMPORTED_RUN_ID ? undefined : await db.runs.get(c.runId);
  const source = run?.config.source as RunSource | undefined;
  if (source?.type === 'live') return { modelId: source.modelId, hook: source.hook };
  if (source?.type === 'activations' && source.setId) {
    const set = await db.activationSets.get(source.setId);
    if (set) return { modelId: set.modelId, hook: set.hook };
  }
  return {};
}

export interface AnalysisForm {
  modelId: string;
  hook: string;
  sourceType: 'tokenization' | 'text';
  tokenizationId: string;
  text: string;
  contextSize: number;
  maxTokens: number;
  windowRadius: number;
  backend: 'auto' | 'wasm';
}

/** A few thousand tokens: minutes on the demo model on a software GPU, seconds on a real one. */
export const DEFAULT_ANALYSIS_FORM: AnalysisForm = {
  modelId: '',
  hook: '',
  sourceType: 'tokenization',
  tokenizationId: '',
  text: '',
  contextSize: 32,
  maxTokens: 4096,
  windowRadius: 8,
  backend: 'auto',
};

export type AnalysisErrors = Partial<Record<keyof AnalysisForm, string>>;

const whole = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;

/** Every field's problem, checked against the chosen model's depth and the SAE's width. */
export function validateAnalysisForm(f: AnalysisForm, model: ModelRecord | undefined, dIn: number): AnalysisErrors {
  const e: AnalysisErrors = {};
  const summary = model?.summary as ModelSummary | undefined;
  if (!model || !summary) e.modelId = 'Choose the model the SAE reads (add it on the Models page).';
  else {
    if (!listHooks(summary.nLayers).includes(f.hook)) e.hook = `Choose a hook point of this ${summary.nLayers}-layer model.`;
    if (summary.dModel !== dIn) e.modelId = `This model's width is ${summary.dModel}, but the SAE reads d_in = ${dIn}; choose the model it was trained on.`;
  }
  if (f.sourceType === 'tokenization' && !f.tokenizationId) e.tokenizationId = 'Choose a tokenized dataset (tokenize one on the Datasets page), or paste text.';
  if (f.sourceType === 'text' && !f.text.trim()) e.text = 'Paste some text to analyse.';
  if (f.sourceType === 'text' && !whole(f.contextSize, 1, 65536)) e.contextSize = 'A whole number of tokens from 1 to 65536.';
  if (!whole(f.maxTokens, 0, 2 ** 31 - 1)) e.maxTokens = 'A whole number of tokens ≥ 0 (0: all of the source).';
  if (!whole(f.windowRadius, 0, 64)) e.windowRadius = 'A whole number of tokens from 0 to 64.';
  return e;
}

/** Job parameters of a valid form; batches of about 512 tokens. */
export function toAnalyzeParams(f: AnalysisForm, saeId: string, analysisId: string, datasetId: string | undefined, contextSize: number): AnalyzeParams {
  const source: ActivationSource =
    f.sourceType === 'text' ? { type: 'text', text: f.text } : { type: 'tokenization', tokenizationId: f.tokenizationId, datasetId: datasetId ?? '' };
  return {
    analysisId,
    saeId,
    modelId: f.modelId,
    hook: f.hook,
    source,
    contextSize: f.contextSize,
    maxTokens: f.maxTokens,
    windowRadius: f.windowRadius,
    batchContexts: Math.max(1, Math.floor(512 / contextSize)),
    backend: f.backend,
  };
}

/** A latent as the list shows it: the analysis row with its person-written label, notes and favourite. */
export interface ListRow extends FeatureSummaryRow {
  label?: string;
  notes?: string;
  favourite: boolean;
}

export function listRows(rows: FeatureSummaryRow[], notes: Map<number, FeatureRecord>): ListRow[] {
  return rows.map((r) => {
    const n = notes.get(r.index);
    return { ...r, label: n?.label, notes: n?.notes, favourite: n?.favourite === 1 };
  });
}

export type SortKey = 'index' | 'density' | 'meanActive' | 'max' | 'label' | 'favourite';
export type FilterKind = 'all' | 'alive' | 'dead' | 'dense' | 'favourites';

/** Latents firing on more than this fraction of tokens are "dense". */
export const DENSE_ABOVE = 0.1;

export interface ListQuery {
  sort: SortKey;
  descending: boolean;
  filter: FilterKind;
  search: string;
}

/** The label shown for a latent: a person's, else the automatic one. */
export const shownLabel = (r: Pick<ListRow, 'label' | 'autoLabel'>) => r.label ?? r.autoLabel;

/** The latents that have a feature-map position, as the map's points (hover text: the shown label). */
export function mapPoints(rows: Pick<ListRow, 'index' | 'x' | 'y' | 'density' | 'label' | 'autoLabel'>[]): MapPoint[] {
  return rows.filter((r) => r.x !== undefined && r.y !== undefined).map((r) => ({ index: r.index, x: r.x!, y: r.y!, density: r.density, label: shownLabel(r) }));
}

export function queryRows(rows: ListRow[], q: ListQuery): ListRow[] {
  const needle = q.search.trim().toLowerCase();
  const keep = (r: ListRow) => {
    if (q.filter === 'alive' && r.density === 0) return false;
    if (q.filter === 'dead' && r.density !== 0) return false;
    if (q.filter === 'dense' && r.density <= DENSE_ABOVE) return false;
    if (q.filter === 'favourites' && !r.favourite) return false;
    if (!needle) return true;
    return [String(r.index), r.label ?? '', r.notes ?? '', r.autoLabel, ...r.topTokens].some((s) => s.toLowerCase().includes(needle));
  };
  const key = (r: ListRow): number | string => {
    if (q.sort === 'label') return shownLabel(r).toLowerCase();
    if (q.sort === 'favourite') return r.favourite ? 1 : 0;
    return r[q.sort];
  };
  const sign = q.descending ? -1 : 1;
  return rows.filter(keep).sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (ka < kb ? -1 : ka > kb ? 1 : 0) * sign || a.index - b.index;
  });
}

/** The list as CSV: one row per latent with its statistics and labels. */
export function rowsToCsv(rows: ListRow[]): string {
  const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = ['index,density,mean_active,max,label,auto_label,favourite,notes'];
  for (const r of rows) {
    lines.push([String(r.index), String(r.density), String(r.meanActive), String(r.max), cell(r.label ?? ''), cell(r.autoLabel), r.favourite ? '1' : '0', cell(r.notes ?? '')].join(','));
  }
  return lines.join('\n') + '\n';
}

/**
 * The shown latents as Neuronpedia batch JSON (src/features/neuronpedia.ts), reading only the detail
 * blocks that hold them, one at a time; a person's label is the explanation, else the automatic one.
 */
export async function neuronpediaExport(db: LanternDb, analysis: AnalysisRecord, vocab: string[], rows: ListRow[], saeName: string): Promise<NeuronpediaBatch> {
  const wanted = new Map<number, ListRow>(rows.map((r) => [r.index, r]));
  const details: FeatureDetail[] = [];
  for (const block of [...new Set(rows.map((r) => Math.floor(r.index / analysis.latentsPerBlock)))].sort((a, b) => a - b)) {
    for (const d of await readBlock(db, analysis, block)) if (wanted.has(d.index)) details.push(d);
  }
  const source = analysis.source;
  const dataset = source.type === 'tokenization' ? ((await db.datasets.get(source.datasetId))?.name ?? source.datasetId) : 'pasted text';
  const labels = new Map(rows.map((r) => [r.index, { text: shownLabel(r), byPerson: r.label !== undefined }]));
  const meta = {
    modelId: analysis.model.split('/').pop()!.toLowerCase(),
    layer: Number(/^blocks\.(\d+)\./.exec(analysis.hook)?.[1] ?? 0),
    saeSet: `lantern-${saeName}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/-+$/, ''),
    prompts: analysis.contexts,
    tokensPerPrompt: analysis.contextSize,
    dataset,
  };
  return neuronpediaBatch(meta, details, vocab, labels);
}

/**
 * Test your own text: the analysed model and hook (WASM, in this thread) and the SAE's CPU encoder
 * over `text`, cut into contexts of the model's window. The runtime is loaded on first use.
 */
export async function runProbe(db: LanternDb, analysis: AnalysisRecord, text: string): Promise<ProbeResult> {
  const [{ openHookedModel }, { loadSae }, { cpuEncoder, encoderRule }, { probeText }] = await Promise.all([
    import('../../jobs/kinds/extract'),
    import('../../state/activeSae'),
    import('../../features/encoder'),
    import('../../features/probe'),
  ]);
  const model = await db.models.get(analysis.modelId);
  if (!model) throw new Error(`The model ${analysis.model} was deleted; add it again on the Models page.`);
  const contextSize = (model.summary as unknown as ModelSummary).nCtx || 128;
  const { state, weights } = await loadSae(db, analysis.saeId);
  const hooked = await openHookedModel(
    db,
    { modelId: analysis.modelId, hook: analysis.hook, source: { type: 'text', text }, contextSize, batchSize: 1, maxSequences: 0, skipPositions: 0, backend: 'wasm' },
    () => {},
  );
  try {
    return await probeText(hooked.session, hooked.source, analysis.hook, cpuEncoder(weights, encoderRule(state.config.arch, weights, state.config.k)));
  } finally {
    await hooked.session.release();
  }
}
