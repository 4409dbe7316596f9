// The latent timeline: each latent's firing count over the window before every histogram snapshot,
// one latentChunks row per snapshot (ownerId = runId, index = step), written with the step's metrics.
import { sha256Hex } from '../storage/chunks';
import type { ChunkRecord, LanternDb, MetricRecord } from '../storage/db';
import { IntegrityError } from '../storage/errors';

/** One snapshot: the window's token count and [dSae] firing counts. */
export interface LatentSnapshot {
  step: number;
  windowTokens: number;
  fires: Uint32Array;
}

/** A run's whole timeline: snapshot steps ascending and log10 densities [nSnap, dSae] row-major. */
export interface LatentTimeline {
  steps: number[];
  dSae: number;
  /** log10(fires / windowTokens); -Infinity where a latent did not fire in that window. */
  logDensity: Float32Array;
  /** [dSae] index of the first snapshot where each latent fired; steps.length when it never did. */
  birth: Int32Array;
}

/** Chunk bytes: Uint32 [windowTokens, fires_0 … fires_{dSae-1}]. */
export async function latentChunk(runId: string, snap: LatentSnapshot): Promise<ChunkRecord> {
  const words = new Uint32Array(snap.fires.length + 1);
  words[0] = snap.windowTokens;
  words.set(snap.fires, 1);
  return { ownerId: runId, index: snap.step, bytes: words.buffer, byteLength: words.byteLength, sha256: await sha256Hex(words) };
}

/**
 * Stores one slice's metric rows and, when it holds a snapshot, its latent counts — IN ONE
 * TRANSACTION, so a reload never finds a snapshot's metrics without its latents or the reverse.
 */
export async function writeStepRows(db: LanternDb, runId: string, rows: MetricRecord[], snap?: LatentSnapshot): Promise<void> {
  const chunk = snap ? await latentChunk(runId, snap) : undefined;
  await db.transaction('rw', db.metrics, db.latentChunks, async () => {
    await db.metrics.bulkPut(rows);
    if (chunk) await db.latentChunks.put(chunk);
  });
}

/** A resume from `step` recomputes everything after it: its metric rows and latent snapshots go. */
export async function dropAfter(db: LanternDb, runId: string, step: number): Promise<void> {
  await db.transaction('rw', db.metrics, db.latentChunks, async () => {
    await db.metrics.where('[runId+step]').between([runId, step + 1], [runId, Infinity]).delete();
    await db.latentChunks.where('[ownerId+index]').between([runId, step + 1], [runId, Infinity]).delete();
  });
}

async function decode(row: ChunkRecord): Promise<LatentSnapshot> {
  const where = { runId: row.ownerId, step: row.index };
  if ((await sha256Hex(row.bytes)) !== row.sha256 || row.byteLength % 4 !== 0 || row.byteLength < 4) {
    throw new IntegrityError(`The latent snapshot of run ${row.ownerId} at step ${row.index} is corrupted (SHA-256 mismatch); the timeline stops before it.`, where);
  }
  const words = new Uint32Array(row.bytes);
  return { step: row.index, windowTokens: words[0], fires: words.slice(1) };
}

/** The snapshot recorded at exactly `step` (a key from the series' snapshot steps), or undefined. */
export async function readLatentSnapshot(db: LanternDb, runId: string, step: number): Promise<LatentSnapshot | undefined> {
  const row = await db.latentChunks.get([runId, step]);
  return row ? decode(row) : undefined;
}

/**
 * Every snapshot of a run up to `upTo`, in step order, as log densities. A corrupted row ends the
 * timeline there: what comes before it is returned with `error` saying where it stopped.
 */
export async function readLatentTimeline(db: LanternDb, runId: string, upTo = Infinity): Promise<LatentTimeline & { error?: string }> {
  const rows = await db.latentChunks.where('[ownerId+index]').between([runId, -Infinity], [runId, upTo], true, true).toArray();
  const snaps: LatentSnapshot[] = [];
  let error: string | undefined;
  for (const row of rows) {
    try {
      const s = await decode(row);
      if (snaps.length && s.fires.length !== snaps[0].fires.length) {
        throw new IntegrityError(`The latent snapshot of run ${runId} at step ${s.step} has ${s.fires.length} latents, earlier ones ${snaps[0].fires.length}; the timeline stops before it.`, { runId, step: s.step });
      }
      snaps.push(s);
    } catch (e) {
      error = (e as Error).message;
      break;
    }
  }
  const dSae = snaps[0]?.fires.length ?? 0;
  const logDensity = new Float32Array(snaps.length * dSae);
  const birth = new Int32Array(dSae).fill(snaps.length);
  snaps.forEach((s, i) => {
    for (let j = 0; j < dSae; j++) {
      const f = s.fires[j];
      logDensity[i * dSae + j] = f > 0 && s.windowTokens > 0 ? Math.log10(f / s.windowTokens) : -Infinity;
      if (f > 0 && birth[j] === snaps.length) birth[j] = i;
    }
  });
  return { steps: snaps.map((s) => s.step), dSae, logDensity, birth, ...(error ? { error } : {}) };
}

/** Latent indices sorted by birth snapshot (never-born last), ties by index. */
export function byBirth(t: LatentTimeline): number[] {
  return Array.from({ length: t.dSae }, (_, j) => j).sort((a, b) => t.birth[a] - t.birth[b] || a - b);
}
