// A run's SAELens export: its stored configuration plus where its activations came from (model,
// hook, context, the tokenization's prepend_bos and the dataset's Hub id), as the runner config
// JSON and the Python script the Runs page and a run's dashboard download.
import { prependBosOf, type PretokenizeConfig } from '../../data/pretokenize';
import type { TrainSource } from '../../jobs/kinds/train';
import { resolveConfig, type SaeConfigInput } from '../../sae/config';
import { releasesForModel } from '../../sae/formats/releases';
import { toRunnerConfig, type RunnerDataSpec, type RunnerExport } from '../../sae/formats/runnerConfig';
import type { ActivationSource, LanternDb } from '../../storage/db';

export class RunExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunExportError';
  }
}

/** SAELens's (TransformerLens) name of a Hub model when a release in the index names it, else the repo. */
function modelNameOf(repo: string): string {
  return releasesForModel(repo)[0]?.model ?? repo;
}

async function tokensSpec(db: LanternDb, tokens: ActivationSource | undefined): Promise<Pick<RunnerDataSpec, 'datasetPath' | 'prependBos' | 'excludeSpecialTokens'>> {
  if (tokens?.type !== 'tokenization') return { datasetPath: null, prependBos: undefined, excludeSpecialTokens: false };
  const tok = await db.tokenizations.get(tokens.tokenizationId);
  const dataset = await db.datasets.get(tokens.datasetId);
  const cfg = tok?.config as PretokenizeConfig | undefined;
  const source = dataset?.source as { type?: string; dataset?: string } | undefined;
  return {
    datasetPath: source?.type === 'hub' && source.dataset ? source.dataset : null,
    prependBos: cfg ? prependBosOf(cfg) : undefined,
    excludeSpecialTokens: cfg?.excludeSpecialTokens ?? false,
  };
}

async function dataSpec(db: LanternDb, source: TrainSource): Promise<RunnerDataSpec> {
  if (source.type === 'synthetic') {
    throw new RunExportError('This run trained on the synthetic source, which has no language model or dataset for SAELens to train on; export a run on an activation set or live extraction.');
  }
  if (source.type === 'activations') {
    const set = await db.activationSets.get(source.setId);
    if (!set) throw new RunExportError('The activation set this run trained on was deleted, so its model, hook and data are unknown.');
    const repo = set.model ?? (await db.models.get(set.modelId))?.repo ?? set.modelId;
    return { modelName: modelNameOf(repo), hookName: set.hook, hookLayer: set.layer, contextSize: set.contextSize, storeBatchSizePrompts: 32, ...(await tokensSpec(db, set.source)) };
  }
  const model = await db.models.get(source.modelId);
  if (!model) throw new RunExportError('The model this run extracted from was deleted, so its name is unknown.');
  return {
    modelName: modelNameOf(model.repo),
    hookName: source.hook,
    hookLayer: Number(/^blocks\.(\d+)\./.exec(source.hook)?.[1] ?? 0),
    contextSize: source.contextSize,
    storeBatchSizePrompts: source.contextsPerChunk,
    ...(await tokensSpec(db, source.tokens)),
  };
}

/** The SAELens runner config of run `runId`; RunExportError when the run cannot be trained by SAELens. */
export async function runnerExportOf(db: LanternDb, runId: string): Promise<RunnerExport & { fileBase: string }> {
  const run = await db.runs.get(runId);
  if (!run) throw new RunExportError('The run was deleted.');
  const { source, totalSteps, checkpointEvery, fromCheckpointId: _from, ...sae } = run.config as Record<string, unknown> & {
    source: TrainSource;
    totalSteps: number;
    checkpointEvery: number;
    fromCheckpointId?: string;
  };
  const out = toRunnerConfig(run.name, resolveConfig(sae as SaeConfigInput), totalSteps, checkpointEvery, await dataSpec(db, source));
  return { ...out, fileBase: `${run.name.replace(/[^\w.-]+/g, '_') || 'run'}-saelens` };
}
