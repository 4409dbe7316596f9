// CPU reference for shaders/sae/topk_rows.wgsl: per-row top-k (TopK activation, AuxK selection).

export interface TopkRowsOptions {
  k: number;
  /** Apply ReLU to the kept values (TopK); AuxK keeps them as they are. */
  relu: boolean;
  /** Only latents with mask[j] compete, and k becomes min(k, #mask). */
  mask?: Uint8Array;
}

/** s: [nTok, dSae] → [nTok, dSae] with the k largest of each row kept (ties at the k-th all kept). */
export function topkRowsReference(s: Float32Array, nTok: number, dSae: number, o: TopkRowsOptions): Float32Array {
  const out = new Float32Array(nTok * dSae);
  const allowed = (j: number) => !o.mask || o.mask[j] !== 0;
  let k = o.k;
  if (o.mask) k = Math.min(k, o.mask.reduce((a, b) => a + (b ? 1 : 0), 0));
  if (k === 0) return out;
  for (let n = 0; n < nTok; n++) {
    const row = s.subarray(n * dSae, (n + 1) * dSae);
    const values: number[] = [];
    for (let j = 0; j < dSae; j++) if (allowed(j)) values.push(row[j]);
    values.sort((a, b) => b - a);
    const t = values[k - 1];
    for (let j = 0; j < dSae; j++) {
      if (allowed(j) && row[j] >= t) out[n * dSae + j] = o.relu ? Math.max(row[j], 0) : row[j];
    }
  }
  return out;
}
