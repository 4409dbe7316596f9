// sae_loss: reconstruction losses, their gradients and the per-step metric reductions.
//   rows (one invocation per token n):
//     e = recon[n] + b_dec − xs[n]                 (SAELens sae_out − sae_in)
//     d_recon[n] = 2e / nTok                       (MSE summed over dIn, averaged over tokens)
//     AUX: a = recon[nTok + n] + b_dec + e (AuxK error, SAELens calculate_topk_aux_loss: the dead
//          latents decode with b_dec and target the detached residual xs − sae_out = −e),
//          d_recon[nTok + n] = 2·c_aux·s·a / nTok,  s = min(dead / k_aux, 1), 0 when no latent is dead
//     partials[n] = (Σe², Σxs², c_aux·s·Σa², 0)
//   columns (one invocation per input dim i):
//     col_x[i] = Σ_n xs[n,i]
//     g_b_dec[i] = Σ_r d_recon[r,i] − Σ_j W_enc[i,j]·g_b_enc[j]   (b_dec is added to every decoded
//       row, main and AUX, and enters the encoder as x − b_dec)
//   finalize (one invocation): sums the partials into metrics and sets the sticky halted flag
//     when the loss is not finite. metrics = [loss, mse, sparsity, aux, nmse, ev, l0, l1, …].
//     SPARSITY 1: c·Σ_j ‖W_dec_j‖·Σ_n acts[n,j] / nTok (decoder-norm-weighted L1);
//     SPARSITY 2: c·Σ_j fires_j / nTok (JumpReLU L0);  0: none.
//   Latents split into column shards (trainer buffers above the storage-binding limit): `columns`
//   runs on shard 0, then per shard s > 0 (dims.dSae = its width):
//     columns_shard: g_b_dec[i] −= Σ_j W_enc_s[i,j]·g_b_enc_s[j]
//     shard_sums (one invocation): sums = (Σ_j feat[j], Σ_j fires_j, Σ_j ‖W_dec_j‖·feat[j]) over the
//       shard, continuing the totals of the shards before it when ACCUMULATE (same order as finalize)
//   and finalize_sums takes l1, l0 and the weighted L1 from `sums` instead of walking feat.
// Reference: src/sae/reference/sae_loss.ts
//
// Bindings: recon [rows*dIn], xs [nTok*dIn], b_dec [dIn], d_recon [rows*dIn] (out),
// partials [nTok*4] (out), dead_info [4] u32, W_enc [dIn*dSae], g_b_enc [dSae], g_b_dec [dIn] (out),
// col_x [dIn] (out), feat [2*dSae] (Σ acts, fires per latent), norms [dSae], metrics [16] (out),
// sums [3] (shards), step {.., sparsity coef, aux coef}, dims {nTok, dIn, dSae, kAux}.

struct Dims { nTok: u32, dIn: u32, dSae: u32, kAux: u32 }
struct Step { lr: f32, bc1: f32, sqrt_bc2: f32, beta1: f32, beta2: f32, eps: f32, sparsity_coef: f32, aux_coef: f32 }

@group(0) @binding(0) var<storage, read> recon: array<f32>;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> b_dec: array<f32>;
@group(0) @binding(3) var<storage, read_write> d_recon: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;
@group(0) @binding(5) var<storage, read_write> dead_info: array<u32>;
@group(0) @binding(6) var<storage, read> W_enc: array<f32>;
@group(0) @binding(7) var<storage, read> g_b_enc: array<f32>;
@group(0) @binding(8) var<storage, read_write> g_b_dec: array<f32>;
@group(0) @binding(9) var<storage, read_write> col_x: array<f32>;
@group(0) @binding(10) var<storage, read> feat: array<f32>;
@group(0) @binding(11) var<storage, read> norms: array<f32>;
@group(0) @binding(12) var<storage, read_write> metrics: array<f32>;
@group(0) @binding(13) var<uniform> step: Step;
@group(0) @binding(14) var<uniform> dims: Dims;
@group(0) @binding(15) var<storage, read_write> sums: array<f32>;

override WG: u32 = 64u;
override AUX: bool = false;
override SPARSITY: u32 = 0u;
override ACCUMULATE: bool = false;

@compute @workgroup_size(WG)
fn rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  if (n >= dims.nTok) { return; }
  let inv = 2.0 / f32(dims.nTok);
  var aux_scale = 0.0;
  if (AUX) {
    let dead = dead_info[0];
    if (dead > 0u) { aux_scale = step.aux_coef * min(f32(dead) / f32(dims.kAux), 1.0); }
  }
  var se = 0.0;
  var sx = 0.0;
  var sa = 0.0;
  let base = n * dims.dIn;
  let aux_base = (dims.nTok + n) * dims.dIn;
  for (var i = 0u; i < dims.dIn; i++) {
    let x = xs[base + i];
    let e = recon[base + i] + b_dec[i] - x;
    se += e * e;
    sx += x * x;
    d_recon[base + i] = inv * e;
    if (AUX) {
      let a = recon[aux_base + i] + b_dec[i] + e;
      sa += a * a;
      d_recon[aux_base + i] = inv * aux_scale * a;
    }
  }
  partials[n * 4u] = se;
  partials[n * 4u + 1u] = sx;
  partials[n * 4u + 2u] = aux_scale * sa;
  partials[n * 4u + 3u] = 0.0;
}

@compute @workgroup_size(WG)
fn columns(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= dims.dIn) { return; }
  var cx = 0.0;
  var cg = 0.0;
  for (var n = 0u; n < dims.nTok; n++) { cx += xs[n * dims.dIn + i]; }
  let rows = select(dims.nTok, 2u * dims.nTok, AUX);
  for (var r = 0u; r < rows; r++) { cg += d_recon[r * dims.dIn + i]; }
  var back = 0.0;
  let row = i * dims.dSae;
  for (var j = 0u; j < dims.dSae; j++) { back += W_enc[row + j] * g_b_enc[j]; }
  col_x[i] = cx;
  g_b_dec[i] = cg - back;
}

@compute @workgroup_size(WG)
fn columns_shard(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= dims.dIn) { return; }
  var back = 0.0;
  let row = i * dims.dSae;
  for (var j = 0u; j < dims.dSae; j++) { back += W_enc[row + j] * g_b_enc[j]; }
  g_b_dec[i] -= back;
}

@compute @workgroup_size(1)
fn shard_sums() {
  var l1 = 0.0;
  var l0 = 0.0;
  var weighted = 0.0;
  if (ACCUMULATE) {
    l1 = sums[0];
    l0 = sums[1];
    weighted = sums[2];
  }
  for (var j = 0u; j < dims.dSae; j++) {
    l1 += feat[j];
    l0 += feat[dims.dSae + j];
    if (SPARSITY == 1u) { weighted += norms[j] * feat[j]; }
  }
  sums[0] = l1;
  sums[1] = l0;
  sums[2] = weighted;
}

/** Tested on the bits: WGSL lets compilers assume float comparisons never see NaN or Inf. */
fn finite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(1)
fn finalize() {
  var l1 = 0.0;
  var l0 = 0.0;
  var weighted = 0.0;
  for (var j = 0u; j < dims.dSae; j++) {
    l1 += feat[j];
    l0 += feat[dims.dSae + j];
    if (SPARSITY == 1u) { weighted += norms[j] * feat[j]; }
  }
  write_metrics(l1, l0, weighted);
}

@compute @workgroup_size(1)
fn finalize_sums() {
  write_metrics(sums[0], sums[1], sums[2]);
}

/** Sums the partials into metrics and sets the sticky halted flag when the loss is not finite. */
fn write_metrics(l1: f32, l0: f32, weighted: f32) {
  let n = f32(dims.nTok);
  var se = 0.0;
  var sx = 0.0;
  var sa = 0.0;
  for (var r = 0u; r < dims.nTok; r++) {
    se += partials[r * 4u];
    sx += partials[r * 4u + 1u];
    sa += partials[r * 4u + 2u];
  }
  var mean_sq = 0.0;
  for (var i = 0u; i < dims.dIn; i++) {
    let m = col_x[i] / n;
    mean_sq += m * m;
  }
  let mse = se / n;
  var sparsity = 0.0;
  if (SPARSITY == 1u) { sparsity = step.sparsity_coef * weighted / n; }
  if (SPARSITY == 2u) { sparsity = step.sparsity_coef * l0 / n; }
  let aux = sa / n;
  let loss = mse + sparsity + aux;
  // Total variance Σ_n ‖x_n − μ‖² = Σ‖x‖² − nTok·‖μ‖², floored where it is only rounding
  // noise (a single token has none).
  let variance = max(sx - n * mean_sq, 1e-6 * sx + 1e-30);
  metrics[0] = loss;
  metrics[1] = mse;
  metrics[2] = sparsity;
  metrics[3] = aux;
  metrics[4] = se / max(sx, 1e-30);
  metrics[5] = 1.0 - se / variance;
  metrics[6] = l0 / n;
  metrics[7] = l1 / n;
  let ok = finite(loss) && dead_info[2] == 0u;
  metrics[10] = select(0.0, 1.0, ok);
  if (!ok) { dead_info[2] = 1u; }
}
