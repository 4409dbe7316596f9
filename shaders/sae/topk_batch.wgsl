// topk_batch: BatchTopK activation. Keeps the k·nTok largest values of ReLU(pre) over the whole
// batch, and tracks the inference threshold (SAELens saves BatchTopK as JumpReLU with it).
//   acts[i] = r[i] if r[i] ≥ T and r[i] > 0 else 0,  r = max(pre, 0),  T = (k·nTok)-th largest r
//   threshold ← (1 − rate)·threshold + rate·T   (entry `threshold`, T = smallest kept value)
// Reference: src/sae/reference/topk_batch.ts
//
// Radix select on the f32 bits (non-negative floats order like their u32 bits), 8 bits per
// round, most significant first. Each round: `histogram` counts, per workgroup in workgroup
// atomics then merged into global bins, the digits of the keys that match the prefix chosen so
// far; `pick` (one invocation) walks the bins from the top to find the digit holding the
// remaining rank and clears the bins. After 4 rounds the prefix is T. Ties at T are all kept.
// Zeros never count as kept, so with fewer than k·nTok positives every positive is kept.
// Latents split into column shards: each round runs `histogram` once per shard into the same bins
// before `pick`, and `apply` once per shard (dims.dSae is then the shard's width).
//
// Bindings: pre [nTok*dSae], acts [nTok*dSae] (out), sel [2 + 256] u32 (prefix, remaining rank,
// bins; zero it before the first round), threshold [1] f32, dead_info [4] u32 (halted flag at [2]),
// dims {nTok, dSae, k, round, rate}.

struct Dims { nTok: u32, dSae: u32, k: u32, round: u32, rate: f32, _a: u32, _b: u32, _c: u32 }

@group(0) @binding(0) var<storage, read> pre: array<f32>;
@group(0) @binding(1) var<storage, read_write> acts: array<f32>;
@group(0) @binding(2) var<storage, read_write> sel: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> threshold: array<f32>;
@group(0) @binding(4) var<storage, read> dead_info: array<u32>;
@group(0) @binding(5) var<uniform> dims: Dims;

override WG: u32 = 256u;
/** Elements per invocation in `histogram`. */
override PER_THREAD: u32 = 16u;

var<workgroup> bins: array<atomic<u32>, 256>;

fn relu_key(i: u32) -> u32 { return bitcast<u32>(max(pre[i], 0.0)); }

@compute @workgroup_size(WG)
fn histogram(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let total = dims.nTok * dims.dSae;
  let shift = 24u - 8u * dims.round;
  // Bits above this round's digit must equal the prefix picked in earlier rounds.
  let high_mask = select(~0u << (shift + 8u), 0u, dims.round == 0u);
  let prefix = atomicLoad(&sel[0]);
  atomicStore(&bins[lid.x], 0u);
  workgroupBarrier();
  let start = (wid.x + wid.y * nwg.x) * WG * PER_THREAD;
  for (var r = 0u; r < PER_THREAD; r++) {
    let i = start + r * WG + lid.x;
    if (i < total) {
      let key = relu_key(i);
      if (key != 0u && (key & high_mask) == prefix) { atomicAdd(&bins[(key >> shift) & 255u], 1u); }
    }
  }
  workgroupBarrier();
  let c = atomicLoad(&bins[lid.x]);
  if (c != 0u) { atomicAdd(&sel[2u + lid.x], c); }
}

@compute @workgroup_size(1)
fn pick() {
  let shift = 24u - 8u * dims.round;
  var remaining = select(atomicLoad(&sel[1]), dims.k * dims.nTok, dims.round == 0u);
  // An earlier round found fewer positives than the rank: T stays 0.
  if (remaining == 0u) { return; }
  var digit = 0u;
  var found = false;
  for (var d = 255i; d >= 0i; d--) {
    let c = atomicLoad(&sel[2u + u32(d)]);
    if (!found) {
      if (c >= remaining) { digit = u32(d); found = true; } else { remaining -= c; }
    }
    atomicStore(&sel[2u + u32(d)], 0u);
  }
  // Fewer positives than the rank: everything positive is kept (T = 0 after this round).
  let prefix = atomicLoad(&sel[0]);
  if (found) { atomicStore(&sel[0], prefix | (digit << shift)); } else { atomicStore(&sel[0], 0u); remaining = 0u; }
  atomicStore(&sel[1], remaining);
}

@compute @workgroup_size(WG)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= dims.nTok * dims.dSae) { return; }
  let t = atomicLoad(&sel[0]);
  let key = relu_key(i);
  acts[i] = select(0.0, bitcast<f32>(key), key != 0u && key >= t);
}

@compute @workgroup_size(1)
fn update_threshold() {
  if (dead_info[2] != 0u) { return; }
  let t = bitcast<f32>(atomicLoad(&sel[0]));
  if (t > 0.0) { threshold[0] = (1.0 - dims.rate) * threshold[0] + dims.rate * t; }
}
