// bias_act: fused encoder bias + activation on the encoder product.
//   pre  = pre + b_enc                      (hidden_pre, kept for the backward pass)
//   MODE 0 (TopK, BatchTopK): bias only; selection happens in topk_rows / topk_batch.
//   MODE 1 (ReLU):     acts = max(pre, 0)
//   MODE 2 (JumpReLU): acts = pre · [pre > θ],  θ = exp(log_threshold)
// Reference: src/sae/reference/bias_act.ts
//
// One invocation per element of [nTok, dSae].
//
// Bindings: pre [nTok*dSae] (read_write), b_enc [dSae], log_threshold [dSae] (MODE 2),
// acts [nTok*dSae] (out, MODE 1 and 2), dims {nTok, dSae}.

struct Dims { nTok: u32, dSae: u32, _a: u32, _b: u32 }

@group(0) @binding(0) var<storage, read_write> pre: array<f32>;
@group(0) @binding(1) var<storage, read> b_enc: array<f32>;
@group(0) @binding(2) var<storage, read> log_threshold: array<f32>;
@group(0) @binding(3) var<storage, read_write> acts: array<f32>;
@group(0) @binding(4) var<uniform> dims: Dims;

override WG: u32 = 256u;
override MODE: u32 = 1u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= dims.nTok * dims.dSae) { return; }
  let j = idx % dims.dSae;
  let h = pre[idx] + b_enc[j];
  pre[idx] = h;
  if (MODE == 1u) {
    acts[idx] = max(h, 0.0);
  } else if (MODE == 2u) {
    acts[idx] = select(0.0, h, h > exp(log_threshold[j]));
  }
}
