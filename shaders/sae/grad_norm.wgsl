// grad_norm: the L2 norm of several gradient buffers taken together, and the factor by which
// torch's clip_grad_norm_ scales them (SAELens clips every step at max_norm 1.0).
//   partial (one dispatch per gradient buffer g, `groups` workgroups of WG): workgroup w sums g[i]²
//     over i = w·WG + lid + t·groups·WG, reduces its WG sums in workgroup memory (a tree) and writes
//     partials[slot0 + w]. Buffers take consecutive slot ranges, so every slot is written each step.
//   finalize (one workgroup): total = Σ_s partials[s] over s < nPartials (strided, then a tree),
//     norm = √total, clip[0] = min(1, max_norm / (norm + 1e-6)), clip[1] = norm.
// Adam (CLIP) then multiplies each gradient by clip[0]. The order of every sum is fixed, so a step
// is reproducible bit for bit.
// Reference: src/sae/reference/grad_norm.ts
//
// Bindings: g [n], partials [nPartials] (read_write), clip [2] (out), dims {n, slot0, nPartials, max_norm}.

struct Dims { n: u32, slot0: u32, nPartials: u32, maxNorm: f32 }

@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> clip: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override WG: u32 = 64u;
var<workgroup> red: array<f32, WG>;

/** Tree-sums red[0..WG) into red[0] (WG a power of two); every invocation of the workgroup must call it. */
fn reduce(lid: u32) {
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    workgroupBarrier();
    if (lid < stride) { red[lid] += red[lid + stride]; }
  }
  workgroupBarrier();
}

@compute @workgroup_size(WG)
fn partial(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  var s = 0.0;
  for (var i = wid.x * WG + lid; i < dims.n; i += nwg.x * WG) {
    let v = g[i];
    s += v * v;
  }
  red[lid] = s;
  reduce(lid);
  if (lid == 0u) { partials[dims.slot0 + wid.x] = red[0]; }
}

@compute @workgroup_size(WG)
fn finalize(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < dims.nPartials; i += WG) { s += partials[i]; }
  red[lid] = s;
  reduce(lid);
  if (lid == 0u) {
    let norm = sqrt(red[0]);
    clip[0] = min(1.0, dims.maxNorm / (norm + 1e-6));
    clip[1] = norm;
  }
}
