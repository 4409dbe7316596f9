// decoder_norm: per-row work on the decoder W_dec [dSae, dIn], one invocation per latent j.
//   norms:     norms[j] = ‖W_dec_j‖
//   grad:      WEIGHTED_L1: g_j += (c/nTok)·(Σ_n acts[n,j])·W_dec_j/‖W_dec_j‖  (∂ of the norm-weighted L1)
//              UNIT_NORM:   g_j −= (g_j·W_dec_j / ‖W_dec_j‖²)·W_dec_j  (drop the component that only
//                           changes the row's length, which the renormalisation would undo)
//   normalize: W_dec_j /= ‖W_dec_j‖ (after the Adam update; skipped once training halted)
// Reference: src/sae/reference/decoder_norm.ts
//
// Bindings: W_dec [dSae*dIn] (read_write), norms [dSae] (out), g_W_dec [dSae*dIn] (read_write),
// feat [2*dSae] (Σ acts per latent first), dead_info [4] u32 (halted at [2]), step {.., sparsity coef},
// dims {dSae, dIn, nTok}.

struct Dims { dSae: u32, dIn: u32, nTok: u32, _a: u32 }
struct Step { lr: f32, bc1: f32, sqrt_bc2: f32, beta1: f32, beta2: f32, eps: f32, sparsity_coef: f32, aux_coef: f32 }

@group(0) @binding(0) var<storage, read_write> W_dec: array<f32>;
@group(0) @binding(1) var<storage, read_write> norms: array<f32>;
@group(0) @binding(2) var<storage, read_write> g_W_dec: array<f32>;
@group(0) @binding(3) var<storage, read> feat: array<f32>;
@group(0) @binding(4) var<storage, read> dead_info: array<u32>;
@group(0) @binding(5) var<uniform> step: Step;
@group(0) @binding(6) var<uniform> dims: Dims;

override WG: u32 = 64u;
override WEIGHTED_L1: bool = false;
override UNIT_NORM: bool = true;

fn row_norm(base: u32) -> f32 {
  var s = 0.0;
  for (var i = 0u; i < dims.dIn; i++) { let w = W_dec[base + i]; s += w * w; }
  return sqrt(s);
}

@compute @workgroup_size(WG)
fn row_norms(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= dims.dSae) { return; }
  norms[j] = row_norm(j * dims.dIn);
}

@compute @workgroup_size(WG)
fn grad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= dims.dSae) { return; }
  let base = j * dims.dIn;
  let norm = max(row_norm(base), 1e-12);
  if (WEIGHTED_L1) {
    let c = step.sparsity_coef * feat[j] / (f32(dims.nTok) * norm);
    for (var i = 0u; i < dims.dIn; i++) { g_W_dec[base + i] += c * W_dec[base + i]; }
  }
  if (UNIT_NORM) {
    var dot = 0.0;
    for (var i = 0u; i < dims.dIn; i++) { dot += g_W_dec[base + i] * W_dec[base + i]; }
    let c = dot / (norm * norm);
    for (var i = 0u; i < dims.dIn; i++) { g_W_dec[base + i] -= c * W_dec[base + i]; }
  }
}

@compute @workgroup_size(WG)
fn normalize(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= dims.dSae || dead_info[2] != 0u) { return; }
  let base = j * dims.dIn;
  let inv = 1.0 / max(row_norm(base), 1e-12);
  for (var i = 0u; i < dims.dIn; i++) { W_dec[base + i] *= inv; }
}
