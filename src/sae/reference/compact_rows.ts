// CPU reference for shaders/sae/compact_rows.wgsl: the nonzeros of rows split over column shards,
// in CSR form with each row in latent order, the entries cut at a capacity (row pointers never are).
import { joinColumns, type Shard } from '../shards';

export interface CompactRows {
  /** [nTok + 1]: row r holds entries [rowPtr[r], rowPtr[r + 1]); rowPtr[nTok] is the total. */
  rowPtr: Uint32Array;
  /** [min(total, capacity)] */ latent: Uint32Array;
  /** [min(total, capacity)] */ value: Float32Array;
}

/** acts: one [nTok, size] block per shard → the joined rows' nonzeros, the first `capacity` stored. */
export function compactRowsReference(acts: Float32Array[], nTok: number, shards: Shard[], capacity = Infinity): CompactRows {
  const dSae = shards.reduce((a, s) => a + s.size, 0);
  const dense = joinColumns(acts, nTok, shards);
  const rowPtr = new Uint32Array(nTok + 1);
  const latent: number[] = [];
  const value: number[] = [];
  for (let r = 0; r < nTok; r++) {
    for (let j = 0; j < dSae; j++) {
      const v = dense[r * dSae + j];
      if (v === 0) continue;
      latent.push(j);
      value.push(v);
    }
    rowPtr[r + 1] = latent.length;
  }
  const kept = Math.min(latent.length, capacity);
  return { rowPtr, latent: Uint32Array.from(latent.slice(0, kept)), value: Float32Array.from(value.slice(0, kept)) };
}
