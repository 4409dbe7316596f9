// row_top: per row of a block of an all-pairs product, the N largest entries and their columns,
// ties to the lower column, the row's own column (the diagonal) left out; N ≤ 32. A product split
// into column shards gives N candidates per shard and row, which merge into the row's top N.
// Reference: src/gpu/reference/row_top.ts
//
// One invocation per row, keeping its best N in registers (insertion into a sorted list, as the
// reference does). Rows with fewer than N other columns pad with column 0xffffffff, value 0.
//
// Bindings: s [nRows*nCols] (this column shard), index [(outRow0+nRows)*N] u32 (out),
// value [(outRow0+nRows)*N] f32 (out), dims {nRows, nCols, row0, col0, n, outRow0}
// (row0, col0: global index of the block's first row and of the shard's first column).

struct Dims { nRows: u32, nCols: u32, row0: u32, col0: u32, n: u32, outRow0: u32, _a: u32, _b: u32 }

@group(0) @binding(0) var<storage, read> s: array<f32>;
@group(0) @binding(1) var<storage, read_write> index: array<u32>;
@group(0) @binding(2) var<storage, read_write> value: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override WG: u32 = 64u;

const MAX_N: u32 = 32u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= dims.nRows) { return; }
  let n = dims.n;
  let own = dims.row0 + row;
  var best_v: array<f32, MAX_N>;
  var best_i: array<u32, MAX_N>;
  var kept = 0u;
  let base = row * dims.nCols;
  for (var j = 0u; j < dims.nCols; j++) {
    let col = dims.col0 + j;
    if (col == own) { continue; }
    let v = s[base + j];
    if (kept == n && !(v > best_v[n - 1u])) { continue; }
    // A full list drops its last entry; equal values stay behind the earlier column.
    var at = select(kept, n - 1u, kept == n);
    while (at > 0u && v > best_v[at - 1u]) {
      best_v[at] = best_v[at - 1u];
      best_i[at] = best_i[at - 1u];
      at--;
    }
    best_v[at] = v;
    best_i[at] = col;
    kept = min(kept + 1u, n);
  }
  let out = (dims.outRow0 + row) * n;
  for (var i = 0u; i < n; i++) {
    index[out + i] = select(0xffffffffu, best_i[i], i < kept);
    value[out + i] = select(0.0, best_v[i], i < kept);
  }
}
