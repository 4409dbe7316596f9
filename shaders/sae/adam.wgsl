// adam: one bias-corrected Adam step on a flat parameter buffer (PyTorch's formulation).
//   CLIP: g ← clip[0]·g first (the gradient-norm clip factor from grad_norm.wgsl)
//   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//   p ← p − (lr / bc1) · m / (√v / √bc2 + ε),  bc1 = 1 − β1^t, bc2 = 1 − β2^t
// Skipped entirely once the halted flag is set (a non-finite loss), so the last good state stays.
// Reference: src/sae/reference/adam.ts
//
// One invocation per element. Bindings: p [n] (read_write), g [n], m [n] (read_write),
// v [n] (read_write), dead_info [4] u32 (halted at [2]), step {lr, bc1, √bc2, β1, β2, ε, ..}, dims {n},
// clip [2] (CLIP: factor, norm).

struct Dims { n: u32, _a: u32, _b: u32, _c: u32 }
struct Step { lr: f32, bc1: f32, sqrt_bc2: f32, beta1: f32, beta2: f32, eps: f32, sparsity_coef: f32, aux_coef: f32 }

@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read> dead_info: array<u32>;
@group(0) @binding(5) var<uniform> step: Step;
@group(0) @binding(6) var<uniform> dims: Dims;
@group(0) @binding(7) var<storage, read> clip: array<f32>;

override WG: u32 = 256u;
override CLIP: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= dims.n || dead_info[2] != 0u) { return; }
  var gi = g[i];
  if (CLIP) { gi *= clip[0]; }
  let mi = step.beta1 * m[i] + (1.0 - step.beta1) * gi;
  let vi = step.beta2 * v[i] + (1.0 - step.beta2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  p[i] -= (step.lr / step.bc1) * mi / (sqrt(vi) / step.sqrt_bc2 + step.eps);
}
