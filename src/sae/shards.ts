// Feature-dimension sharding: when a [batch, dSae] or [dIn, dSae] buffer would exceed the device's
// storage-binding limit, the trainer splits the latents into contiguous blocks [j0, j0 + size) and
// keeps every per-latent buffer once per block. These helpers convert between the SAELens layout
// (W_enc [dIn, dSae], W_dec [dSae, dIn], [dSae] vectors) and the per-shard blocks:
//   W_enc_s = columns j0.. of W_enc ([dIn, size]),  W_dec_s = rows j0.. of W_dec ([size, dIn]).

export interface Shard {
  /** First latent of the block. */
  j0: number;
  size: number;
}

/** Contiguous blocks of `sizes` latents each, in order. */
export function shardsOf(sizes: number[]): Shard[] {
  let j0 = 0;
  return sizes.map((size) => {
    const s = { j0, size };
    j0 += size;
    return s;
  });
}

/** Splits [total, width] row-major data into the shards' row blocks ([size, width] each). */
export function splitRows<T extends Float32Array | Uint32Array>(a: T, width: number, shards: Shard[]): T[] {
  return shards.map((s) => a.slice(s.j0 * width, (s.j0 + s.size) * width) as T);
}

/** Joins row blocks back into one [total, width] array of the parts' type. */
export function joinRows<T extends Float32Array | Uint32Array>(parts: T[], width: number, shards: Shard[]): T {
  const out = new (parts[0].constructor as new (length: number) => T)(shards.reduce((a, s) => a + s.size, 0) * width);
  shards.forEach((s, i) => out.set(parts[i], s.j0 * width));
  return out;
}

/** Splits [rows, total] row-major data into the shards' column blocks ([rows, size] each). */
export function splitColumns(a: Float32Array, rows: number, shards: Shard[]): Float32Array[] {
  const total = a.length / rows;
  return shards.map((s) => {
    const out = new Float32Array(rows * s.size);
    for (let r = 0; r < rows; r++) out.set(a.subarray(r * total + s.j0, r * total + s.j0 + s.size), r * s.size);
    return out;
  });
}

/** Joins column blocks ([rows, size] each) back into one [rows, total] array. */
export function joinColumns(parts: Float32Array[], rows: number, shards: Shard[]): Float32Array {
  const total = shards.reduce((a, s) => a + s.size, 0);
  const out = new Float32Array(rows * total);
  shards.forEach((s, i) => {
    for (let r = 0; r < rows; r++) out.set(parts[i].subarray(r * s.size, (r + 1) * s.size), r * total + s.j0);
  });
  return out;
}
