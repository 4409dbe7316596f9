// topk_rows_sharded: per-row top-k (TopK activation, AuxK among dead latents) when each row's
// latents are split over column shards (trainer buffers above the storage-binding limit). The
// selection is topk_rows' exactly: floats map to order-preserving u32 keys (masked-out entries get
// key 0), the k-th largest key T is built 4 bits at a time from the top, and every entry with
// key ≥ T is kept (ties at the k-th value all kept).
//   count (one invocation per row; once per shard and sweep): adds this shard's
//         #{key ≥ T | d·2^shift} for the 16 digits d to the row's counts
//   pick  (one invocation per row; once per sweep): keeps the largest digit whose count is ≥ k and
//         clears the counts; a count of exactly k finishes the row (its {key ≥ candidate} is then
//         already the top k), and later sweeps skip it
//   apply (one invocation per element of a shard): out = f(s) where key ≥ T, else 0,
//         f = ReLU when RELU, else identity
// Sweep 0 starts every row afresh and pick leaves the counts at zero, so `sel` needs clearing only
// once, when it is created.
// MASKED: only latents with since_fired[j] ≥ window compete, k becomes min(k, dead_info[0]).
// Reference: src/sae/reference/topk_rows_sharded.ts
//
// Bindings: s [nTok*dS] (this shard's scores), out [(outRow0+nTok)*dS] (written from row outRow0),
// since_fired [dS] u32 (MASKED), dead_info [4] u32 (MASKED), sel [nTok*18] u32 (per row: T, done,
// 16 counts), dims {nTok, dS, k, outRow0, window, sweep}.

struct Dims { nTok: u32, dS: u32, k: u32, outRow0: u32, window: u32, sweep: u32, _a: u32, _b: u32 }

@group(0) @binding(0) var<storage, read> s: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> since_fired: array<u32>;
@group(0) @binding(3) var<storage, read> dead_info: array<u32>;
@group(0) @binding(4) var<storage, read_write> sel: array<u32>;
@group(0) @binding(5) var<uniform> dims: Dims;

override WG: u32 = 64u;
override RELU: bool = true;
override MASKED: bool = false;

const SEL: u32 = 18u;

/** Order-preserving map f32 → u32 (larger float, larger key); 0 marks a latent that may not compete. */
fn key(j: u32, v: f32) -> u32 {
  if (MASKED && since_fired[j] < dims.window) { return 0u; }
  let b = bitcast<u32>(v);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn row_k() -> u32 {
  if (MASKED) { return min(dims.k, dead_info[0]); }
  return dims.k;
}

@compute @workgroup_size(WG)
fn count(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= dims.nTok) { return; }
  let at = row * SEL;
  let first = dims.sweep == 0u;
  if (!first && sel[at + 1u] != 0u) { return; }
  let t = select(sel[at], 0u, first);
  let shift = vec4<u32>(28u - 4u * dims.sweep);
  let c0 = vec4<u32>(t) | (vec4<u32>(0u, 1u, 2u, 3u) << shift);
  let c1 = vec4<u32>(t) | (vec4<u32>(4u, 5u, 6u, 7u) << shift);
  let c2 = vec4<u32>(t) | (vec4<u32>(8u, 9u, 10u, 11u) << shift);
  let c3 = vec4<u32>(t) | (vec4<u32>(12u, 13u, 14u, 15u) << shift);
  let one = vec4<u32>(1u);
  let zero = vec4<u32>(0u);
  var n0 = zero;
  var n1 = zero;
  var n2 = zero;
  var n3 = zero;
  let base = row * dims.dS;
  for (var j = 0u; j < dims.dS; j++) {
    let kv = vec4<u32>(key(j, s[base + j]));
    n0 += select(zero, one, kv >= c0);
    n1 += select(zero, one, kv >= c1);
    n2 += select(zero, one, kv >= c2);
    n3 += select(zero, one, kv >= c3);
  }
  let counts = array<u32, 16>(n0.x, n0.y, n0.z, n0.w, n1.x, n1.y, n1.z, n1.w, n2.x, n2.y, n2.z, n2.w, n3.x, n3.y, n3.z, n3.w);
  for (var d = 0u; d < 16u; d++) { sel[at + 2u + d] += counts[d]; }
}

@compute @workgroup_size(WG)
fn pick(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= dims.nTok) { return; }
  let at = row * SEL;
  let first = dims.sweep == 0u;
  if (!first && sel[at + 1u] != 0u) { return; }
  let k = row_k();
  let shift = 28u - 4u * dims.sweep;
  // Counts fall as the digit grows; keep the largest digit still holding ≥ k keys.
  var digit = 0u;
  for (var d = 1u; d < 16u; d++) {
    if (sel[at + 2u + d] >= k) { digit = d; }
  }
  let c = sel[at + 2u + digit];
  for (var d = 0u; d < 16u; d++) { sel[at + 2u + d] = 0u; }
  sel[at] = select(sel[at], 0u, first) | (digit << shift);
  sel[at + 1u] = select(0u, 1u, c == k);
}

@compute @workgroup_size(WG)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= dims.nTok * dims.dS) { return; }
  let row = idx / dims.dS;
  let j = idx % dims.dS;
  let v = s[idx];
  let kv = key(j, v);
  var o = 0.0;
  // k = 0 keeps nothing (T may be 0 then, and key 0 never wins).
  if (row_k() > 0u && kv != 0u && kv >= sel[row * SEL]) { o = select(v, max(v, 0.0), RELU); }
  out[(dims.outRow0 + row) * dims.dS + j] = o;
}
