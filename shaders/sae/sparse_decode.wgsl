// sparse_decode: decoder products that skip the zeros of sparse activations (TopK, BatchTopK, AuxK).
//   decode:    recon[r, :] = Σ_{j : acts[r,j] ≠ 0} acts[r,j] · W_dec[j, :]      (= acts · W_dec)
//   grad_acts: d_acts[r, j] = acts[r,j] ≠ 0 ? d_recon[r, :] · W_dec[j, :] : 0  (= (d_recon · W_decᵀ) masked)
// Only the masked entries of ∂L/∂acts are ever used by TopK-family backward passes, so the masked
// product is exact for them. Cost per row: a scan of dSae plus nnz·dIn FMAs, against dSae·dIn dense.
// ACCUMULATE: decode adds to recon instead of overwriting it (latents split into column shards:
// shard s > 0 continues the sum where shard s − 1 stopped, in the same order as unsharded).
// Reference: src/sae/reference/sparse_decode.ts
//
// One invocation per row r < rows. Bindings: acts [rows*dSae], W_dec [dSae*dIn],
// recon [rows*dIn] (out, decode), d_recon [rows*dIn] (grad_acts), d_acts [rows*dSae] (out, grad_acts),
// dims {rows, dIn, dSae}.

struct Dims { rows: u32, dIn: u32, dSae: u32, _a: u32 }

@group(0) @binding(0) var<storage, read> acts: array<f32>;
@group(0) @binding(1) var<storage, read> W_dec: array<f32>;
@group(0) @binding(2) var<storage, read_write> recon: array<f32>;
@group(0) @binding(3) var<storage, read> d_recon: array<f32>;
@group(0) @binding(4) var<storage, read_write> d_acts: array<f32>;
@group(0) @binding(5) var<uniform> dims: Dims;

override WG: u32 = 64u;
override ACCUMULATE: bool = false;

@compute @workgroup_size(WG)
fn decode(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= dims.rows) { return; }
  let out = r * dims.dIn;
  if (!ACCUMULATE) {
    for (var i = 0u; i < dims.dIn; i++) { recon[out + i] = 0.0; }
  }
  let row = r * dims.dSae;
  for (var j = 0u; j < dims.dSae; j++) {
    let a = acts[row + j];
    if (a != 0.0) {
      let w = j * dims.dIn;
      for (var i = 0u; i < dims.dIn; i++) { recon[out + i] += a * W_dec[w + i]; }
    }
  }
}

@compute @workgroup_size(WG)
fn grad_acts(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= dims.rows) { return; }
  let g = r * dims.dIn;
  let row = r * dims.dSae;
  for (var j = 0u; j < dims.dSae; j++) {
    var d = 0.0;
    if (acts[row + j] != 0.0) {
      let w = j * dims.dIn;
      for (var i = 0u; i < dims.dIn; i++) { d += d_recon[g + i] * W_dec[w + i]; }
    }
    d_acts[row + j] = d;
  }
}
