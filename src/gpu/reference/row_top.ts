// CPU reference for shaders/common/row_top.wgsl: per row of a column shard of an all-pairs
// product, the N largest entries (ties to the lower column, the diagonal left out), and the merge
// of several shards' candidates into a row's top N.

/** Column index of an empty candidate slot. */
export const NO_COLUMN = 0xffffffff;

export interface RowTop {
  /** [nRows * n] columns, NO_COLUMN where the row has fewer than n others */ index: Uint32Array;
  /** [nRows * n] values, 0 in empty slots */ value: Float32Array;
}

/** s [nRows, nCols] = rows row0.. against columns col0.. → each row's n best, best first. */
export function rowTopReference(s: Float32Array, nRows: number, nCols: number, row0: number, col0: number, n: number): RowTop {
  const index = new Uint32Array(nRows * n).fill(NO_COLUMN);
  const value = new Float32Array(nRows * n);
  for (let r = 0; r < nRows; r++) {
    const best: { col: number; v: number }[] = [];
    for (let j = 0; j < nCols; j++) {
      if (col0 + j === row0 + r) continue;
      const v = s[r * nCols + j];
      if (best.length === n && !(v > best[n - 1].v)) continue;
      let at = best.length;
      while (at > 0 && v > best[at - 1].v) at--;
      best.splice(at, 0, { col: col0 + j, v });
      if (best.length > n) best.pop();
    }
    best.forEach((e, i) => {
      index[r * n + i] = e.col;
      value[r * n + i] = e.v;
    });
  }
  return { index, value };
}

/**
 * One row's candidates from every column shard (n per shard, each list best first) → the row's n
 * best over all columns, ties to the lower column: the shards' lists hold every entry that can be.
 */
export function mergeRowTop(index: ArrayLike<number>, value: ArrayLike<number>, n: number): { index: number; value: number }[] {
  const all: { index: number; value: number }[] = [];
  for (let i = 0; i < index.length; i++) if (index[i] !== NO_COLUMN) all.push({ index: index[i], value: value[i] });
  all.sort((a, b) => (a.value === b.value ? a.index - b.index : b.value - a.value));
  return all.slice(0, n);
}
