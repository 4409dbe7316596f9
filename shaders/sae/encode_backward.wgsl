// encode_backward: back-propagates through the activation, one invocation per latent j walking
// the batch, and reduces the per-latent sums the losses and metrics need.
//   ARCH 0 ReLU + L1:  dPre = [pre > 0]·(dActs + c·‖W_dec_j‖ / nTok)
//   ARCH 1 TopK / BatchTopK: dPre = [acts > 0]·dActs + [aux ≠ 0]·dAux  (aux rows nTok.. when AUX)
//   ARCH 2 JumpReLU (θ = exp(log_threshold), ε = bandwidth, R(u) = [|u| < ½]):
//     dPre = [pre > θ]·dActs
//     dθ  = Σ_n −(θ/ε)·R((pre − θ)/ε)·dActs  −  (c / nTok)·Σ_n (1/ε)·R((pre − θ)/ε)   (STE, L0)
//     g_log_threshold = θ·dθ
//   g_b_enc[j] = Σ_n dPre[n,j];  feat[j] = Σ_n acts[n,j];  feat[dSae + j] = #{n : acts[n,j] > 0}
// dPre overwrites the first nTok rows of d_acts.
// The TopK family's weight gradients then come from sparse_weight_grads (a separate kernel keeps
// this one within 8 storage buffers, the per-stage limit browsers guarantee).
// Reference: src/sae/reference/encode_backward.ts
//
// Bindings: pre [nTok*dSae], acts [rows*dSae], d_acts [rows*dSae] (read_write), norms [dSae],
// log_threshold [dSae], g_b_enc [dSae] (out), g_log_threshold [dSae] (out), feat [2*dSae] (out),
// step {.., sparsity coef}, dims {nTok, dSae, bandwidth}.

struct Dims { nTok: u32, dSae: u32, bandwidth: f32, _pad: u32 }
struct Step { lr: f32, bc1: f32, sqrt_bc2: f32, beta1: f32, beta2: f32, eps: f32, sparsity_coef: f32, aux_coef: f32 }

@group(0) @binding(0) var<storage, read> pre: array<f32>;
@group(0) @binding(1) var<storage, read> acts: array<f32>;
@group(0) @binding(2) var<storage, read_write> d_acts: array<f32>;
@group(0) @binding(3) var<storage, read> norms: array<f32>;
@group(0) @binding(4) var<storage, read> log_threshold: array<f32>;
@group(0) @binding(5) var<storage, read_write> g_b_enc: array<f32>;
@group(0) @binding(6) var<storage, read_write> g_log_threshold: array<f32>;
@group(0) @binding(7) var<storage, read_write> feat: array<f32>;
@group(0) @binding(8) var<uniform> step: Step;
@group(0) @binding(9) var<uniform> dims: Dims;

override WG: u32 = 64u;
override ARCH: u32 = 0u;
override AUX: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= dims.dSae) { return; }
  let inv_n = 1.0 / f32(dims.nTok);
  var l1_grad = 0.0;
  if (ARCH == 0u) { l1_grad = step.sparsity_coef * norms[j] * inv_n; }
  var theta = 0.0;
  if (ARCH == 2u) { theta = exp(log_threshold[j]); }
  let eps = dims.bandwidth;
  let aux0 = dims.nTok * dims.dSae;
  var gb = 0.0;
  var gt = 0.0;
  var sum_acts = 0.0;
  var fires = 0.0;
  for (var n = 0u; n < dims.nTok; n++) {
    let idx = n * dims.dSae + j;
    let a = acts[idx];
    let g = d_acts[idx];
    var dp = 0.0;
    if (ARCH == 0u) {
      dp = select(0.0, g + l1_grad, pre[idx] > 0.0);
    } else if (ARCH == 1u) {
      dp = select(0.0, g, a > 0.0);
      if (AUX && acts[aux0 + idx] != 0.0) { dp += d_acts[aux0 + idx]; }
    } else {
      let h = pre[idx];
      dp = select(0.0, g, h > theta);
      let u = (h - theta) / eps;
      if (abs(u) < 0.5) { gt += -(theta / eps) * g - step.sparsity_coef * inv_n / eps; }
    }
    d_acts[idx] = dp;
    gb += dp;
    sum_acts += a;
    fires += select(0.0, 1.0, a > 0.0);
  }
  g_b_enc[j] = gb;
  if (ARCH == 2u) { g_log_threshold[j] = theta * gt; }
  feat[j] = sum_acts;
  feat[dims.dSae + j] = fires;
}
