// The model library's operations on the database: list named checkpoints with their runs, load one
// with its integrity checked, export it as a SAELens zip, import SAELens / sparsify SAEs from files
// or a Hub repo, delete checkpoints and runs (clearing the active SAE when it goes with them).
import { DEFAULT_HUB_HOST } from '../../lm/hub';
import { encodeCheckpoint } from '../../sae/checkpointCodec';
import { checkExpectation, packSaeLensZip, readSaeFiles, safeFileName, type ImportExpectation, type ImportedSae, type ReadOptions, type SaeFile } from '../../sae/formats/bundle';
import { fetchHubSaeFiles, type HubSaeLocation } from '../../sae/formats/hub';
import { exportSaeLens } from '../../sae/formats/saelens';
import { logSparsityFromState, stateFromWeights } from '../../sae/formats/state';
import { IMPORTED_RUN_ID, listCheckpoints, writeImportedCheckpoint, type LibraryCheckpoint } from '../../storage/checkpoints';
import type { LanternDb, RunRecord } from '../../storage/db';
import { StorageError } from '../../storage/errors';
import { deleteRecord } from '../../storage/repository';
import { ACTIVE_SAE_KEY, loadSae } from '../../state/activeSae';

export const LIBRARY_HUB_HOST_KEY = 'library.hubHost';

/** One checkpoint as the library lists it. */
export interface LibraryRow {
  checkpoint: LibraryCheckpoint;
  /** Undefined for imports and for checkpoints whose run is gone. */
  run?: RunRecord;
  arch: string;
  dIn: number;
  dSae: number;
  k?: number;
  /** "synthetic", the model/hook of an import, … */
  context: string;
  /** The run's metrics at the checkpoint's step (the last logged at or before it); undefined for imports. */
  metrics?: CheckpointMetrics;
}

export interface CheckpointMetrics {
  explainedVariance?: number;
  l0?: number;
  dead?: number;
}

/** Metrics of `runId` at `step`: the newest metric row at or before it (a range read, never the whole table). */
export async function metricsAt(db: LanternDb, runId: string, step: number): Promise<CheckpointMetrics | undefined> {
  const row = await db.metrics.where('[runId+step]').between([runId, 0], [runId, step], true, true).last();
  if (!row) return undefined;
  const { explainedVariance, l0, dead } = row.values;
  return { explainedVariance, l0, dead };
}

/** Model and hook a run trained on: its activation set's, or the synthetic source's placeholders. */
interface RunContext {
  modelName: string;
  hookName: string;
  hookLayer: number;
  contextSize?: number;
}

type RunSource = { type?: string; setId?: string };

async function runContext(db: LanternDb, run: RunRecord | undefined): Promise<RunContext | undefined> {
  const source = run?.config.source as RunSource | undefined;
  if (source?.type === 'synthetic') return { modelName: 'lantern-synthetic', hookName: 'synthetic', hookLayer: 0 };
  if (source?.type === 'activations' && source.setId) {
    const set = await db.activationSets.get(source.setId);
    if (set) return { modelName: set.model ?? set.modelId, hookName: set.hook, hookLayer: set.layer, contextSize: set.contextSize };
  }
  return undefined;
}

function describe(c: LibraryCheckpoint, run: RunRecord | undefined, context: RunContext | undefined): LibraryRow {
  if (c.origin) {
    const o = c.origin;
    const context = [o.modelName, o.hookName].filter(Boolean).join(' · ') || `${o.format} import`;
    return { checkpoint: c, arch: o.arch, dIn: o.dIn, dSae: o.dSae, ...(o.k !== undefined ? { k: o.k } : {}), context };
  }
  const cfg = run?.config ?? {};
  const arch = String(cfg.arch ?? '?');
  return {
    checkpoint: c,
    run,
    arch,
    dIn: Number(cfg.dIn ?? 0),
    dSae: Number(cfg.dSae ?? 0),
    ...(arch === 'topk' || arch === 'batchtopk' ? { k: Number(cfg.k) } : {}),
    context: context ? (context.modelName === 'lantern-synthetic' ? 'synthetic' : `${context.modelName} · ${context.hookName}`) : '',
  };
}

export async function listLibrary(db: LanternDb): Promise<LibraryRow[]> {
  const checkpoints = await listCheckpoints(db);
  const runIds = [...new Set(checkpoints.map((c) => c.runId).filter((id) => id !== IMPORTED_RUN_ID))];
  const runs = new Map((await db.runs.bulkGet(runIds)).filter((r): r is RunRecord => Boolean(r)).map((r) => [r.id, r]));
  const contexts = new Map(await Promise.all([...runs.values()].map(async (r) => [r.id, await runContext(db, r)] as const)));
  return Promise.all(
    checkpoints.map(async (c) => {
      const row = describe(c, runs.get(c.runId), contexts.get(c.runId));
      const metrics = row.run ? await metricsAt(db, c.runId, c.step) : undefined;
      return metrics ? { ...row, metrics } : row;
    }),
  );
}

/** A checkpoint as a SAELens folder in one zip: `<name>/cfg.json`, `sae_weights.safetensors`, `sparsity.safetensors`. */
export async function exportSaeLensZip(db: LanternDb, id: string): Promise<{ fileName: string; bytes: Uint8Array<ArrayBuffer> }> {
  const { checkpoint, state, weights } = await loadSae(db, id);
  const run = await db.runs.get(checkpoint.runId);
  const origin = checkpoint.origin;
  const context = await runContext(db, run);
  const files = exportSaeLens(weights, {
    architecture: state.config.arch,
    k: state.config.k,
    modelName: origin?.modelName ?? context?.modelName ?? 'unknown',
    hookName: origin?.hookName ?? context?.hookName ?? 'unknown',
    hookLayer: origin?.hookLayer ?? context?.hookLayer ?? 0,
    contextSize: context?.contextSize ?? null,
    normalizeActivations: 'none',
    logSparsity: logSparsityFromState(state),
  });
  const folder = safeFileName(run ? `${run.name}-${checkpoint.name}` : checkpoint.name);
  return { fileName: `${folder}.zip`, bytes: packSaeLensZip(folder, files) };
}

export interface ImportOptions extends ReadOptions {
  /** Library name; defaults to the folder, hook or model the files name. */
  name?: string;
  expect?: ImportExpectation;
  /** Shown in the library: the file names or the Hub location. */
  source: string;
}

function defaultName(sae: ImportedSae): string {
  const folder = sae.folder.slice(sae.folder.lastIndexOf('/') + 1);
  return folder || [sae.modelName, sae.hookName].filter(Boolean).join(' ') || `${sae.format} SAE`;
}

/** Reads, validates and stores an SAE; any error leaves the library unchanged. */
export async function importSaeFiles(db: LanternDb, files: SaeFile[], opts: ImportOptions): Promise<LibraryCheckpoint> {
  // 1. Parse and validate everything before writing anything.
  const sae = readSaeFiles(files, opts);
  checkExpectation(sae, opts.expect ?? {});
  // 2. As a training state, so it loads, hot-swaps and branches like any checkpoint.
  const state = stateFromWeights(sae.weights, sae.architecture, sae.k);
  const payload = encodeCheckpoint(state, { type: 'import', format: sae.format, source: opts.source, cfg: sae.cfg });
  return writeImportedCheckpoint(db, payload, opts.name?.trim() || defaultName(sae), {
    format: sae.format,
    source: opts.source,
    arch: sae.architecture,
    dIn: sae.weights.dIn,
    dSae: sae.weights.dSae,
    ...(sae.k !== undefined ? { k: sae.k } : {}),
    modelName: sae.modelName,
    hookName: sae.hookName,
    hookLayer: sae.hookLayer,
  });
}

export async function importHubSae(db: LanternDb, loc: HubSaeLocation, opts: Omit<ImportOptions, 'source'>, fetchFn?: typeof fetch): Promise<LibraryCheckpoint> {
  const files = await fetchHubSaeFiles(loc, fetchFn);
  const where = `hub:${loc.repo.trim()}@${loc.revision?.trim() || 'main'}${loc.path?.trim() ? `/${loc.path.trim().replace(/^\/+|\/+$/g, '')}` : ''}`;
  return importSaeFiles(db, files, { ...opts, source: where });
}

async function clearActiveIf(db: LanternDb, ids: string[]): Promise<void> {
  const active = await db.settings.get(ACTIVE_SAE_KEY);
  if (typeof active?.value === 'string' && ids.includes(active.value)) await db.settings.delete(ACTIVE_SAE_KEY);
}

/** Deletes the checkpoint with its chunks and features; the active SAE is cleared if it was this one. */
export async function deleteCheckpoint(db: LanternDb, id: string): Promise<void> {
  await db.transaction('rw', db.tables, async () => {
    await deleteRecord(db, 'checkpoints', id);
    await clearActiveIf(db, [id]);
  });
}

/** Deletes a run with its metrics, checkpoints and chunks, in one transaction. */
export async function deleteRun(db: LanternDb, runId: string): Promise<void> {
  await db.transaction('rw', db.tables, async () => {
    const run = await db.runs.get(runId);
    const job = run?.jobId ? await db.jobs.get(run.jobId) : undefined;
    if (job && ['queued', 'running', 'paused'].includes(job.status)) {
      throw new StorageError('run-active', `"${run?.name}" is still training (${job.status}); stop or cancel its job before deleting the run.`, { runId });
    }
    const ids = (await db.checkpoints.where('runId').equals(runId).primaryKeys()) as string[];
    await deleteRecord(db, 'runs', runId);
    await clearActiveIf(db, ids);
  });
}

export async function loadLibraryHubHost(db: LanternDb): Promise<string> {
  const row = await db.settings.get(LIBRARY_HUB_HOST_KEY);
  return typeof row?.value === 'string' && row.value ? row.value : DEFAULT_HUB_HOST;
}

export async function saveLibraryHubHost(db: LanternDb, host: string): Promise<void> {
  await db.settings.put({ key: LIBRARY_HUB_HOST_KEY, value: host.trim() || DEFAULT_HUB_HOST });
}
