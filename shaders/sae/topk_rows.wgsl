// topk_rows: per-row top-k selection (TopK activation, and the AuxK selection among dead latents).
//   out[row, j] = f(s[row, j]) if s[row, j] is among the k largest of its row, else 0,
//   f = ReLU when RELU (SAELens TopK: top-k of hidden_pre, then ReLU of the values), else identity.
//   MASKED: only latents with since_fired[j] ≥ window compete (dead latents, AuxK), and
//   k becomes min(k, dead_count) with dead_count = dead_info[0].
// Reference: src/sae/reference/topk_rows.ts
//
// One workgroup per row. Floats map to order-preserving u32 keys (masked-out entries get key 0,
// below every real key); the k-th largest key T is built bit by bit from the top: a bit is kept
// when at least k keys are ≥ the candidate (32 counting sweeps with a workgroup atomic). Every
// entry with key ≥ T is kept, so exact ties at the k-th value are all kept.
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

var<workgroup> count: atomic<u32>;

/** Order-preserving map f32 → u32 (larger float, larger key); 0 marks a latent that may not compete. */
fn key(j: u32, v: f32) -> u32 {
  if (MASKED && since_fired[j] < dims.window) { return 0u; }
  let b = bitcast<u32>(v);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  // Uniform per workgroup: every invocation of a workgroup shares `row`.
  let live = row < dims.nTok;
  let base = min(row, dims.nTok - 1u) * dims.dSae;
  var k = dims.k;
  if (MASKED) { k = min(k, dead_info[0]); }

  // 1. Build the k-th largest key T from the most significant bit down.
  var t = 0u;
  for (var bit = 31i; bit >= 0i; bit--) {
    let cand = t | (1u << u32(bit));
    if (lid.x == 0u) { atomicStore(&count, 0u); }
    workgroupBarrier();
    var c = 0u;
    for (var j = lid.x; j < dims.dSae; j += WG) {
      if (key(j, s[base + j]) >= cand) { c++; }
    }
    atomicAdd(&count, c);
    workgroupBarrier();
    if (atomicLoad(&count) >= k) { t = cand; }
    workgroupBarrier();
  }

  // 2. Keep every entry at or above T (none when k = 0: T stays 0 and key 0 never wins).
  if (!live) { return; }
  let obase = (dims.outRow0 + row) * dims.dSae;
  for (var j = lid.x; j < dims.dSae; j += WG) {
    let v = s[base + j];
    let kv = key(j, v);
    var o = 0.0;
    if (k > 0u && kv != 0u && kv >= t) { o = select(v, max(v, 0.0), RELU); }
    out[obase + j] = o;
  }
}
