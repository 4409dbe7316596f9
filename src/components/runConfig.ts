// A run's configuration as people read it: the source and the checkpoint it branched from by name
// (activation set, model, dataset) instead of their ids, then every hyperparameter in order.
import type { LanternDb } from '../storage/db';

type Source = {
  type?: string;
  setId?: string;
  seed?: number;
  nFeatures?: number;
  sparsity?: number;
  noise?: number;
  modelId?: string;
  hook?: string;
  contextSize?: number;
  contextsPerChunk?: number;
  tokens?: { type?: string; text?: string; tokenizationId?: string; datasetId?: string };
};

export function formatValue(v: unknown): string {
  if (typeof v === 'number') return Math.abs(v) >= 1e4 || (Math.abs(v) > 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(6)));
  if (typeof v === 'object' && v) return Object.entries(v).map(([k, x]) => `${k}=${formatValue(x)}`).join(', ');
  return String(v);
}

const count = (n: number) => n.toLocaleString('en-US');

async function describeSource(db: LanternDb, s: Source): Promise<[string, string][]> {
  if (s.type === 'synthetic') {
    return [['source', `synthetic ground truth: ${count(s.nFeatures ?? 0)} true features, ${formatValue(s.sparsity)} active on average, noise ${formatValue(s.noise)}`]];
  }
  if (s.type === 'activations') {
    const set = s.setId ? await db.activationSets.get(s.setId) : undefined;
    const what = set
      ? `activation set ${set.model ?? set.modelId} · ${set.hook} · [${count(set.tokens)}, ${set.dModel}]`
      : `activation set ${s.setId ?? '?'} (deleted)`;
    return [['source', what]];
  }
  if (s.type === 'live') {
    const model = s.modelId ? await db.models.get(s.modelId) : undefined;
    const t = s.tokens;
    let tokens = '';
    if (t?.type === 'text') tokens = `pasted text (${count(t.text?.length ?? 0)} characters)`;
    else if (t?.type === 'tokenization') {
      const tok = t.tokenizationId ? await db.tokenizations.get(t.tokenizationId) : undefined;
      const dataset = tok ? await db.datasets.get(tok.datasetId) : undefined;
      tokens = tok ? `${dataset?.name ?? 'a deleted dataset'} (${tok.tokenizerName ?? tok.modelId ?? 'tokenizer'}, context ${tok.contextSize})` : 'a deleted tokenization';
    }
    return [
      ['source', `live extraction from ${model ? `${model.repo} (${model.variant})` : `${s.modelId ?? '?'} (deleted)`} · ${s.hook ?? '?'}`],
      ['source tokens', tokens],
      ...(s.contextSize !== undefined ? ([['source context size', String(s.contextSize)]] as [string, string][]) : []),
      ...(s.contextsPerChunk !== undefined ? ([['source contexts per pass', String(s.contextsPerChunk)]] as [string, string][]) : []),
    ];
  }
  return [['source', formatValue(s)]];
}

/** [label, value] rows: the source first (by name), the branch origin, then every other field sorted. */
export async function describeRunConfig(db: LanternDb, config: Record<string, unknown>): Promise<[string, string][]> {
  const rows: [string, string][] = [];
  const source = config.source as Source | undefined;
  if (source && typeof source === 'object') {
    rows.push(...(await describeSource(db, source)));
    if (source.seed !== undefined) rows.push(['source seed', String(source.seed)]);
  }
  const from = config.fromCheckpointId;
  if (typeof from === 'string') {
    const ckpt = await db.checkpoints.get(from);
    const run = ckpt ? await db.runs.get(ckpt.runId) : undefined;
    rows.push(['branched from', ckpt ? `${run ? `${run.name} · ` : ''}${ckpt.name} (step ${ckpt.step})` : 'a deleted checkpoint']);
  }
  const rest = Object.entries(config)
    .filter(([k]) => k !== 'source' && k !== 'fromCheckpointId')
    .sort(([a], [b]) => a.localeCompare(b));
  return [...rows, ...rest.map(([k, v]): [string, string] => [k, formatValue(v)])];
}
