// Training batches from a stored activation set, shuffled deterministically so a run resumed
// from a checkpoint sees exactly the batches it would have seen. Each epoch visits the chunks
// in a seeded order, W chunks at a time (a window); a window's rows are shuffled by a seeded
// permutation. The whole position is (epoch, window, offset): small enough for a checkpoint.
import { seededRandom } from '../../lm/random';
import { JobError } from '../types';

export interface ChunkReader {
  /** Number of chunks in the set. */
  count: number;
  dModel: number;
  /** [nTok, dModel] rows of chunk `index`. */
  read(index: number): Promise<Float32Array>;
}

/** Batches for the trainer; the synthetic source and activation sets both implement it. */
export interface BatchSource {
  next(batch: number): Promise<Float32Array>;
  saveState(): unknown;
  loadState(state: unknown): Promise<void>;
  /** Frees what the source holds (an inference session); called when the job stops running. */
  close?(): Promise<void>;
}

interface Position {
  epoch: number;
  window: number;
  offset: number;
}

function mix(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
  return h;
}

/** Fisher–Yates permutation of [0, n) from a seed. */
function permutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const r = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

export function createActivationSource(reader: ChunkReader & { close?(): Promise<void> }, seed: number, windowChunks = 4): BatchSource {
  if (reader.count < 1) throw new JobError('invalid-params', 'The activation set has no chunks.', { field: 'source' });
  const d = reader.dModel;
  const windows = Math.ceil(reader.count / windowChunks);
  let pos: Position = { epoch: 0, window: 0, offset: 0 };
  let rows: Float32Array | undefined;

  /** 1. Chunks of this window in the epoch's order, 2. concatenated, 3. rows permuted. */
  async function load(): Promise<Float32Array> {
    const order = permutation(reader.count, mix(seed, pos.epoch));
    const parts: Float32Array[] = [];
    for (let i = pos.window * windowChunks; i < Math.min(reader.count, (pos.window + 1) * windowChunks); i++) parts.push(await reader.read(order[i]));
    const n = parts.reduce((s, p) => s + p.length / d, 0);
    const joined = new Float32Array(n * d);
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    const perm = permutation(n, mix(seed, pos.epoch, pos.window, 1));
    const out = new Float32Array(n * d);
    for (let r = 0; r < n; r++) out.set(joined.subarray(perm[r] * d, (perm[r] + 1) * d), r * d);
    return out;
  }

  return {
    async next(batch) {
      const out = new Float32Array(batch * d);
      let filled = 0;
      while (filled < batch) {
        rows ??= await load();
        const available = rows.length / d - pos.offset;
        const take = Math.min(available, batch - filled);
        out.set(rows.subarray(pos.offset * d, (pos.offset + take) * d), filled * d);
        filled += take;
        pos = { ...pos, offset: pos.offset + take };
        if (pos.offset * d >= rows.length) {
          const window = (pos.window + 1) % windows;
          pos = { epoch: window === 0 ? pos.epoch + 1 : pos.epoch, window, offset: 0 };
          rows = undefined;
        }
      }
      return out;
    },
    saveState: () => ({ ...pos }),
    close: reader.close,
    async loadState(s) {
      const p = s as Partial<Position> | null;
      if (!p || ![p.epoch, p.window, p.offset].every((v) => Number.isInteger(v) && (v as number) >= 0) || (p.window as number) >= windows) {
        throw new JobError('invalid-state', 'The saved position in the activation set is invalid.', { state: s });
      }
      pos = { epoch: p.epoch!, window: p.window!, offset: p.offset! };
      rows = undefined;
    },
  };
}
