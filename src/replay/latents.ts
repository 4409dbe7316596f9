// The latent timeline: each latent's firing count over the window before every histogram snapshot,
// one latentChunks row per snapshot (ownerId = runId, index = step), written with the step's metrics.
import { chunkRecord, sha256Hex } from '../storage/chunks';
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
export function latentChunk(runId: string, snap: LatentSnapshot): Promise<ChunkRecord> {
  const words = new Uint32Array(snap.fires.length + 1);
  words[0] = snap.windowTokens;
  words.set(snap.fires, 1);
  return chunkRecord(runId, snap.step, words.buffer);
}

/**
 * Stores one slice's metric rows and, when it holds a snapshot, its latent counts and probe results
 * (src/replay/probes.ts) — IN ONE TRANSACTION, so a reload never finds a snapshot's metrics without
 * its latents or probes, or the reverse.
 */
export async function writeStepRows(db: LanternDb, runId: string, rows: MetricRecord[], snap?: LatentSnapshot, probes?: ChunkRecord): Promise<void> {
  const chunk = snap ? await latentChunk(runId, snap) : undefined;
  await db.transaction('rw', db.metrics, db.latentChunks, db.probeChunks, async () => {
    await db.metrics.bulkPut(rows);
    if (chunk) await db.latentChunks.put(chunk);
    if (probes) await db.probeChunks.put(probes);
  });
}

/** A resume from `step` recomputes everything after it: its metric rows, latent and probe snapshots go. */
export async function dropAfter(db: LanternDb, runId: string, step: number): Promise<void> {
  await db.transaction('rw', db.metrics, db.latentChunks, db.probeChunks, async () => {
    await db.metrics.where('[runId+step]').between([runId, step + 1], [runId, Infinity]).delete();
    await db.latentChunks.where('[ownerId+index]').between([runId, step + 1], [runId, Infinity]).delete();
    await db.probeChunks.where('[ownerId+index]').between([runId, step + 1], [runId, Infinity]).delete();
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

/** Chunk rows per range read: bounds the memory of one read of a long run's timeline. */
export const TIMELINE_PAGE = 256;

/**
 * A run's timeline held as it grows: `sync` reads only the snapshots after the last one held (and
 * drops held ones a resume deleted), so a live run appends instead of re-reading every snapshot.
 * A corrupted row ends the timeline there, with `error` saying where it stopped.
 */
export class LatentTimelineSeries {
  readonly steps: number[] = [];
  dSae = 0;
  error?: string;
  /** [capacity, dSae] log10 densities; rows past steps.length are unused. */
  private density = new Float32Array(0);
  /** [dSae] first snapshot each latent fired in; -1 while it never has. */
  private born = new Int32Array(0);

  constructor(readonly runId: string) {}

  get last(): number {
    return this.steps.at(-1) ?? -Infinity;
  }

  /** Appends one decoded snapshot (its step after the last held); throws when its latent count differs. */
  append(s: LatentSnapshot): void {
    const n = this.steps.length;
    if (n === 0) {
      this.dSae = s.fires.length;
      this.born = new Int32Array(this.dSae).fill(-1);
    } else if (s.fires.length !== this.dSae) {
      throw new IntegrityError(`The latent snapshot of run ${this.runId} at step ${s.step} has ${s.fires.length} latents, earlier ones ${this.dSae}; the timeline stops before it.`, { runId: this.runId, step: s.step });
    }
    const d = this.dSae;
    if ((n + 1) * d > this.density.length) {
      const bigger = new Float32Array(Math.max(16, 2 * (n + 1)) * d);
      bigger.set(this.density.subarray(0, n * d));
      this.density = bigger;
    }
    for (let j = 0; j < d; j++) {
      const f = s.fires[j];
      this.density[n * d + j] = f > 0 && s.windowTokens > 0 ? Math.log10(f / s.windowTokens) : -Infinity;
      if (f > 0 && this.born[j] < 0) this.born[j] = n;
    }
    this.steps.push(s.step);
  }

  /** Drops every snapshot after `step`; births are recomputed from what remains. */
  truncateAfter(step: number): void {
    while (this.steps.length && this.steps[this.steps.length - 1] > step) this.steps.pop();
    const n = this.steps.length;
    const d = this.dSae;
    this.born.fill(-1);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) if (this.born[j] < 0 && this.density[i * d + j] !== -Infinity) this.born[j] = i;
    if (n === 0) this.dSae = 0;
  }

  /**
   * Brings the held snapshots level with the database up to `upTo`: reads the newest stored key,
   * truncates when it is older than the last held one (a resume), then reads only the rows after
   * the last held one, page by page. A timeline stopped by a corrupted row tries that row again at
   * every sync (a resume may have rewritten it). Returns whether anything changed.
   */
  async sync(db: LanternDb, upTo = Infinity): Promise<boolean> {
    const runId = this.runId;
    const key = (await db.latentChunks.where('[ownerId+index]').between([runId, -Infinity], [runId, upTo], true, true).lastKey()) as [string, number] | undefined;
    const newest = key?.[1] ?? -Infinity;
    const before = `${this.steps.length}:${this.last}:${this.error}`;
    if (newest < this.last) this.truncateAfter(newest);
    let error: string | undefined;
    while (error === undefined && newest > this.last) {
      const rows = await db.latentChunks.where('[ownerId+index]').between([runId, this.last], [runId, newest], false, true).limit(TIMELINE_PAGE).toArray();
      if (!rows.length) break;
      for (const row of rows) {
        try {
          this.append(await decode(row));
        } catch (e) {
          error = (e as Error).message;
          break;
        }
      }
    }
    this.error = error;
    return `${this.steps.length}:${this.last}:${this.error}` !== before;
  }

  /** The held timeline (views of the held arrays: valid until the next change). */
  view(): LatentTimeline & { error?: string } {
    const n = this.steps.length;
    const birth = Int32Array.from(this.born.subarray(0, this.dSae), (b) => (b < 0 ? n : b));
    return { steps: [...this.steps], dSae: this.dSae, logDensity: this.density.subarray(0, n * this.dSae), birth, ...(this.error ? { error: this.error } : {}) };
  }
}

/**
 * Every snapshot of a run up to `upTo`, in step order, as log densities. A corrupted row ends the
 * timeline there: what comes before it is returned with `error` saying where it stopped.
 */
export async function readLatentTimeline(db: LanternDb, runId: string, upTo = Infinity): Promise<LatentTimeline & { error?: string }> {
  const t = new LatentTimelineSeries(runId);
  await t.sync(db, upTo);
  return t.view();
}

/** Latent indices sorted by birth snapshot (never-born last), ties by index. */
export function byBirth(t: LatentTimeline): number[] {
  return Array.from({ length: t.dSae }, (_, j) => j).sort((a, b) => t.birth[a] - t.birth[b] || a - b);
}
