// A run as one file (zip): run.json (the run record), metrics.json (every metric row), latents/<step>.bin
// and probes/<step>.bin (its latent and probe-text snapshots) and checkpoint.bin (its newest complete checkpoint), so another Lantern can
// import it whole; truncated snapshots are dropped on import with a note the run's page shows.
// Metrics export for analysis: CSV (one row per step, one column per metric) or JSON.
// JSON has no NaN or ±Infinity (JSON.stringify writes null): run files write them as
// {"$number": "NaN" | "Infinity" | "-Infinity"}, so a diverged run's metrics survive the round trip.
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { chunkRecord, makeChunks, sha256Hex } from './chunks';
import { readCheckpoint } from './checkpoints';
import type { ChunkRecord, CheckpointRecord, HistogramData, LanternDb, MetricRecord, RunRecord } from './db';
import { guardWrite, StorageError } from './errors';
import { decodeProbeBytes } from '../replay/probes';

export const RUN_FILE_FORMAT = 'lantern-run/2';
/** Files of the first format (non-finite numbers were written as null) are still read. */
const READABLE_FORMATS = [RUN_FILE_FORMAT, 'lantern-run/1'];

const NON_FINITE_KEY = '$number';

/** JSON text of `value` with NaN and ±Infinity kept as {"$number": "NaN" | "Infinity" | "-Infinity"}. */
export function stringifyKeepingNonFinite(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE_KEY]: String(v) } : v));
}

/** Parses JSON written by stringifyKeepingNonFinite, turning {"$number": …} back into the number. */
export function parseKeepingNonFinite(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    const n = (v as Record<string, unknown>)[NON_FINITE_KEY];
    return keys.length === 1 && (n === 'NaN' || n === 'Infinity' || n === '-Infinity') ? Number(n) : v;
  });
}

interface RunManifest {
  format: string;
  run: RunRecord;
  checkpoint?: Omit<CheckpointRecord, 'id'> & { id: string };
}

async function metricsOf(db: LanternDb, runId: string): Promise<MetricRecord[]> {
  return db.metrics.where('[runId+step]').between([runId, -Infinity], [runId, Infinity]).toArray();
}

export async function exportRunFile(db: LanternDb, runId: string): Promise<Uint8Array<ArrayBuffer>> {
  const run = await db.runs.get(runId);
  if (!run) throw new StorageError('not-found', `Run ${runId} does not exist.`, { runId });
  const checkpoints = await db.checkpoints.where('runId').equals(runId).filter((c) => c.complete === 1).sortBy('step');
  const latest = checkpoints.at(-1);
  const files: Record<string, Uint8Array> = {
    'metrics.json': strToU8(stringifyKeepingNonFinite(await metricsOf(db, runId))),
  };
  if (latest) files['checkpoint.bin'] = await readCheckpoint(db, latest.id);
  for (const row of await db.latentChunks.where('ownerId').equals(runId).toArray()) files[`latents/${row.index}.bin`] = new Uint8Array(row.bytes);
  for (const row of await db.probeChunks.where('ownerId').equals(runId).toArray()) files[`probes/${row.index}.bin`] = new Uint8Array(row.bytes);
  const manifest: RunManifest = { format: RUN_FILE_FORMAT, run, checkpoint: latest };
  files['run.json'] = strToU8(stringifyKeepingNonFinite(manifest));
  return zipSync(files, { level: 6 });
}

function bad(message: string, details: Record<string, unknown> = {}): StorageError {
  return new StorageError('run-import-invalid', `${message} Nothing was imported.`, details);
}

/** A histogram snapshot is whole when it has one count per bin (edges one longer) and finite numbers. */
function wholeHistogram(h: HistogramData | undefined): boolean {
  return !!h && Array.isArray(h.edges) && Array.isArray(h.counts) && h.counts.length > 0 && h.edges.length === h.counts.length + 1 && [...h.edges, ...h.counts].every(Number.isFinite);
}

/** A latent snapshot is whole when it holds the window's tokens and one count (≤ tokens) per latent. */
function wholeLatents(bytes: Uint8Array, dSae: unknown): boolean {
  if (bytes.byteLength % 4 !== 0 || (typeof dSae === 'number' && bytes.byteLength !== 4 * (dSae + 1)) || bytes.byteLength < 8) return false;
  const words = new Uint32Array(bytes.slice().buffer);
  return words.subarray(1).every((f) => f <= words[0]);
}

/** The file's `<dir>/<step>.bin` snapshots as chunk rows of the run, and the steps of those `whole` refuses. */
async function snapshotChunks(runId: string, files: Record<string, Uint8Array>, dir: string, whole: (step: number, bytes: Uint8Array) => boolean): Promise<[ChunkRecord[], number[]]> {
  const rows: ChunkRecord[] = [];
  const bad: number[] = [];
  const name = new RegExp(`^${dir}/(\\d+)\\.bin$`);
  for (const [path, bytes] of Object.entries(files)) {
    const m = name.exec(path);
    if (!m) continue;
    const step = Number(m[1]);
    if (whole(step, bytes)) rows.push(await chunkRecord(runId, step, bytes.slice().buffer));
    else bad.push(step);
  }
  return [rows, bad];
}

/**
 * The run file's snapshots, checked: metric rows keep their values but lose truncated histograms;
 * truncated latent snapshots (or ones without a metric row) are left out. `note` names the steps.
 */
async function checkedSnapshots(run: RunRecord, metrics: MetricRecord[], files: Record<string, Uint8Array>): Promise<{ rows: MetricRecord[]; latents: ChunkRecord[]; probes: ChunkRecord[]; note?: string }> {
  const badHist: number[] = [];
  const rows = metrics.map((m): MetricRecord => {
    if (m.histograms === undefined || (wholeHistogram(m.histograms.densityLog10) && wholeHistogram(m.histograms.decoderNorm))) return m;
    badHist.push(m.step);
    const { histograms: _dropped, ...kept } = m;
    return kept;
  });
  const steps = new Set(metrics.map((m) => m.step));
  // Latent snapshots: whole counts of a step with a metric row. Probe snapshots: ones that decode to
  // one result per probe of the run record.
  const wholeProbes = (step: number, bytes: Uint8Array) => {
    const snap = decodeProbeBytes(step, bytes.slice().buffer);
    return !!snap && !!run.probeTokens && snap.probes.length === run.probeTokens.length && snap.probes.every((p, i) => p.err.length === run.probeTokens![i].length);
  };
  const [latents, badLatents] = await snapshotChunks(run.id, files, 'latents', (step, bytes) => steps.has(step) && wholeLatents(bytes, run.config.dSae));
  const [probes, badProbes] = await snapshotChunks(run.id, files, 'probes', (step, bytes) => steps.has(step) && wholeProbes(step, bytes));
  if (!badHist.length && !badLatents.length && !badProbes.length) return { rows, latents, probes };
  const list = (xs: number[]) => xs.sort((a, b) => a - b).join(', ');
  const parts = [
    badHist.length ? `histograms at step${badHist.length > 1 ? 's' : ''} ${list(badHist)}` : '',
    badLatents.length ? `latent snapshots at step${badLatents.length > 1 ? 's' : ''} ${list(badLatents)}` : '',
    badProbes.length ? `probe snapshots at step${badProbes.length > 1 ? 's' : ''} ${list(badProbes)}` : '',
  ].filter(Boolean);
  const valid = rows.filter((r) => r.histograms).length;
  const counted = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const kept = [counted(valid, 'valid histogram snapshot'), counted(latents.length, 'latent snapshot'), ...(run.probeTokens ? [counted(probes.length, 'probe snapshot')] : [])];
  const shows = `the ${kept.slice(0, -1).join(', ')} and ${kept.at(-1)!}`;
  const note = `This run was imported from a file whose ${parts.join(' and ')} are truncated or do not match the run (d_sae ${String(run.config.dSae)}); they were left out. Every step's metrics are kept, and replay shows ${shows}. Export the run again from its source to recover them.`;
  return { rows, latents, probes, note };
}

/**
 * Imports a run file; refuses a malformed file or a run that already exists, storing nothing. A
 * readable file with truncated snapshots is imported without them; the run's importNote says which.
 */
export async function importRunFile(db: LanternDb, bytes: Uint8Array): Promise<RunRecord> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch {
    throw bad('The file is not a Lantern run file (not a readable zip).');
  }
  let manifest: RunManifest;
  let metrics: MetricRecord[];
  try {
    manifest = parseKeepingNonFinite(strFromU8(files['run.json'])) as RunManifest;
    metrics = parseKeepingNonFinite(strFromU8(files['metrics.json'])) as MetricRecord[];
  } catch {
    throw bad('The run file is missing run.json or metrics.json, or they are not valid JSON.');
  }
  if (!READABLE_FORMATS.includes(manifest.format) || typeof manifest.run?.id !== 'string') throw bad(`Unknown run file format "${String(manifest.format)}".`);
  const run = manifest.run;
  if (!Array.isArray(metrics) || metrics.some((m) => m.runId !== run.id || !Number.isInteger(m.step) || typeof m.values !== 'object')) {
    throw bad('metrics.json has rows that do not belong to this run.');
  }
  if (await db.runs.get(run.id)) throw bad(`A run with id ${run.id} ("${run.name}") already exists here; delete it first to re-import.`, { runId: run.id });
  const ck = manifest.checkpoint;
  const payload = files['checkpoint.bin'];
  if (ck && (!payload || (await sha256Hex(payload)) !== ck.sha256)) throw bad('checkpoint.bin is missing or does not match its SHA-256.');
  const chunks = ck && payload ? await makeChunks(ck.id, payload) : [];
  const { rows, latents, probes, note } = await checkedSnapshots(run, metrics, files);
  return guardWrite('importing a run', () =>
    db.transaction('rw', [db.runs, db.metrics, db.checkpoints, db.checkpointChunks, db.latentChunks, db.probeChunks], async () => {
      if (ck && (await db.checkpoints.get(ck.id))) throw bad(`Checkpoint ${ck.id} already exists here.`);
      const { importNote: _old, ...rest } = run;
      const imported: RunRecord = { ...rest, jobId: undefined, status: run.status === 'running' || run.status === 'queued' ? 'paused' : run.status, ...(note ? { importNote: note } : {}) };
      await db.runs.add(imported);
      await db.metrics.bulkAdd(rows);
      await db.latentChunks.bulkAdd(latents);
      await db.probeChunks.bulkAdd(probes);
      if (ck) {
        await db.checkpointChunks.bulkAdd(chunks);
        await db.checkpoints.add({ ...ck, complete: 1 });
      }
      return imported;
    }),
  );
}

/** Metric rows of several runs as CSV: run, step, then one column per metric name. */
export function metricsCsv(rowsByRun: { run: RunRecord; rows: MetricRecord[] }[]): string {
  const keys = [...new Set(rowsByRun.flatMap(({ rows }) => rows.flatMap((r) => Object.keys(r.values))))].sort();
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [['run_id', 'run_name', 'step', ...keys].join(',')];
  for (const { run, rows } of rowsByRun) {
    for (const r of rows) lines.push([quote(run.id), quote(run.name), String(r.step), ...keys.map((k) => (r.values[k] === undefined ? '' : String(r.values[k])))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

export async function metricsOfRuns(db: LanternDb, runIds: string[]): Promise<{ run: RunRecord; rows: MetricRecord[] }[]> {
  const out = [];
  for (const id of runIds) {
    const run = await db.runs.get(id);
    if (run) out.push({ run, rows: await metricsOf(db, id) });
  }
  return out;
}
