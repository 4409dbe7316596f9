// topk_rows: per-row top-k selection (TopK activation, and the AuxK selection among dead latents).
//   out[row, j] = f(s[row, j]) if s[row, j] is among the k largest of its row, else 0,
//   f = ReLU when RELU (SAELens TopK: top-k of hidden_pre, then ReLU of the values), else identity.
//   MASKED: only latents with since_fired[j] ≥ window compete (dead latents, AuxK), and
//   k becomes min(k, dead_count) with dead_count = dead_info[0].
// Reference: src/sae/reference/topk_rows.ts
//
// One invocation per row. Floats map to order-preserving u32 keys (masked-out entries get key 0,
// below every real key); the k-th largest key T is built 4 bits at a time from the top: one sweep
// counts the keys ≥ each of the 16 candidates T | d·2^shift (four vec4 compares per element) and
// keeps the largest digit d whose count is ≥ k. A sweep that counts exactly k stops early (the set
// {key ≥ candidate} is then already the top k), so random rows take 2–4 sweeps, never more than 8.
// No workgroup memory or barriers: on SwiftShader those cost more than the sweeps themselves.
// Every entry with key ≥ T is kept, so exact ties at the k-th value are all kept.
//
// Bindings: s [nTok*dSae], out [(outRow0+nTok)*dSae] (written from row outRow0),
// since_fired [dSae] u32 (MASKED), dead_info [4] u32 (MASKED), dims {nTok, dSae, k, outRow0, window}.

struct Dims { nTok: u32, dSae: u32, k: u32, outRow0: u32, window: u32, _a: u32, _b: u32, _c: u32 }

@group(0) @binding(0) var<storage, read> s: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> since_fired: array<u32>;
@group(0) @binding(3) var<storage, read> dead_info: array<u32>;
@group(0) @binding(4) var<uniform> dims: Dims;

override WG: u32 = 64u;
override RELU: bool = true;
override MASKED: bool = false;

/** Order-preserving map f32 → u32 (larger float, larger key); 0 marks a latent that may not compete. */
fn key(j: u32, v: f32) -> u32 {
  if (MASKED && since_fired[j] < dims.window) { return 0u; }
  let b = bitcast<u32>(v);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= dims.nTok) { return; }
  let base = row * dims.dSae;
  var k = dims.k;
  if (MASKED) { k = min(k, dead_info[0]); }

  // 1. Build the k-th largest key T from the most significant digit down.
  var t = 0u;
  let one = vec4<u32>(1u);
  let zero = vec4<u32>(0u);
  for (var sweep = 0u; sweep < 8u; sweep++) {
    let shift = vec4<u32>(28u - 4u * sweep);
    let c0 = vec4<u32>(t) | (vec4<u32>(0u, 1u, 2u, 3u) << shift);
    let c1 = vec4<u32>(t) | (vec4<u32>(4u, 5u, 6u, 7u) << shift);
    let c2 = vec4<u32>(t) | (vec4<u32>(8u, 9u, 10u, 11u) << shift);
    let c3 = vec4<u32>(t) | (vec4<u32>(12u, 13u, 14u, 15u) << shift);
    var n0 = zero;
    var n1 = zero;
    var n2 = zero;
    var n3 = zero;
    for (var j = 0u; j < dims.dSae; j++) {
      let kv = vec4<u32>(key(j, s[base + j]));
      n0 += select(zero, one, kv >= c0);
      n1 += select(zero, one, kv >= c1);
      n2 += select(zero, one, kv >= c2);
      n3 += select(zero, one, kv >= c3);
    }
    // Counts fall as the digit grows; keep the largest digit still holding ≥ k keys.
    let counts = array<u32, 16>(n0.x, n0.y, n0.z, n0.w, n1.x, n1.y, n1.z, n1.w, n2.x, n2.y, n2.z, n2.w, n3.x, n3.y, n3.z, n3.w);
    var digit = 0u;
    for (var d = 1u; d < 16u; d++) {
      if (counts[d] >= k) { digit = d; }
    }
    t = t | (digit << shift.x);
    if (counts[digit] == k) { break; }
  }

  // 2. Keep every entry at or above T (none when k = 0: T stays 0 and key 0 never wins).
  let obase = (dims.outRow0 + row) * dims.dSae;
  for (var j = 0u; j < dims.dSae; j++) {
    let v = s[base + j];
    let kv = key(j, v);
    var o = 0.0;
    if (k > 0u && kv != 0u && kv >= t) { o = select(v, max(v, 0.0), RELU); }
    out[obase + j] = o;
  }
}
