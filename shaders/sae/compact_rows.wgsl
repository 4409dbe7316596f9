// compact_rows: the nonzero activations of rows whose latents are split over column shards, as CSR
// (row pointers, latent indices, values; each row in latent order), so that what is read back
// scales with the active latents instead of tokens × d_sae.
//   count (one invocation per row; once per shard): adds the row's nonzeros in this shard to
//         fill[row] (shard FIRST overwrites, so fill needs no clearing)
//   scan  (one invocation): row_ptr[r] = Σ fill[<r], row_ptr[nTok] = the total; clears fill
//   write (one invocation per row; once per shard, in shard order): stores this shard's nonzeros
//         of the row as (j0 + j, value) from row_ptr[row] + fill[row] on, leaving out positions
//         ≥ capacity, and advances fill[row]
// After every shard's write, fill holds the row counts again: a total above the capacity is
// handled by running scan and write again into larger latent and value buffers.
// Reference: src/sae/reference/compact_rows.ts
//
// Bindings: acts [nTok*dS] (this shard), row_ptr [nTok+1] u32, fill [nTok] u32, latent [capacity]
// u32, value [capacity] f32, dims {nTok, dS, j0, first, capacity}.

struct Dims { nTok: u32, dS: u32, j0: u32, first: u32, capacity: u32, _a: u32, _b: u32, _c: u32 }

@group(0) @binding(0) var<storage, read> acts: array<f32>;
@group(0) @binding(1) var<storage, read_write> row_ptr: array<u32>;
@group(0) @binding(2) var<storage, read_write> fill: array<u32>;
@group(0) @binding(3) var<storage, read_write> latent: array<u32>;
@group(0) @binding(4) var<storage, read_write> value: array<f32>;
@group(0) @binding(5) var<uniform> dims: Dims;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn count(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= dims.nTok) { return; }
  let base = row * dims.dS;
  var c = 0u;
  for (var j = 0u; j < dims.dS; j++) {
    c += select(0u, 1u, acts[base + j] != 0.0);
  }
  fill[row] = select(fill[row] + c, c, dims.first != 0u);
}

@compute @workgroup_size(1)
fn scan() {
  var total = 0u;
  for (var r = 0u; r < dims.nTok; r++) {
    row_ptr[r] = total;
    total += fill[r];
    fill[r] = 0u;
  }
  row_ptr[dims.nTok] = total;
}

@compute @workgroup_size(WG)
fn write(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= dims.nTok) { return; }
  let start = row_ptr[row];
  var e = start + fill[row];
  let base = row * dims.dS;
  for (var j = 0u; j < dims.dS; j++) {
    let v = acts[base + j];
    if (v != 0.0) {
      if (e < dims.capacity) {
        latent[e] = dims.j0 + j;
        value[e] = v;
      }
      e++;
    }
  }
  fill[row] = e - start;
}
