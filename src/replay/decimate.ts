// Min/max decimation of step series for drawing: at most two points per horizontal bucket (the
// bucket's minimum and maximum, in the order they occur), so a 100,000-step curve draws as fast as
// a 2,000-point one and keeps every spike.

export interface Decimated {
  x: number[];
  /** One array per input series; null where the series has no value. */
  ys: (number | null)[][];
}

const val = (v: number) => (Number.isNaN(v) ? null : v);

/**
 * Decimates rows [0, n) of `x` (ascending) and every `ys[j]` into at most `buckets` buckets of equal
 * row count; below 2·buckets rows the data is returned whole.
 */
export function decimateMinMax(x: Float64Array, ys: Float64Array[], n: number, buckets: number): Decimated {
  const out: Decimated = { x: [], ys: ys.map(() => []) };
  if (n <= 2 * buckets) {
    for (let i = 0; i < n; i++) {
      out.x.push(x[i]);
      ys.forEach((y, j) => out.ys[j].push(val(y[i])));
    }
    return out;
  }
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    // 1. Two x positions per bucket: its first and its last step.
    out.x.push(x[start], x[end - 1]);
    // 2. Per series, its min and max in the bucket, the earlier one at the first position.
    ys.forEach((y, j) => {
      let lo = -1;
      let hi = -1;
      for (let i = start; i < end; i++) {
        const v = y[i];
        if (Number.isNaN(v)) continue;
        if (lo < 0 || v < y[lo]) lo = i;
        if (hi < 0 || v > y[hi]) hi = i;
      }
      if (lo < 0) out.ys[j].push(null, null);
      else if (lo <= hi) out.ys[j].push(y[lo], y[hi]);
      else out.ys[j].push(y[hi], y[lo]);
    });
  }
  return out;
}
