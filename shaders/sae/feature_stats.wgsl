// feature_stats: per-latent firing counters and the dead/dense counts.
//   update (one invocation per latent j, skipped once halted):
//     since_fired[j] = 0 if the latent fired in this batch, else since_fired[j] + nTok (saturating)
//     fire_count[j] += fires_j   (cumulative, for the density histogram; the host clears it)
//   count (one invocation):
//     dead  = #{j : since_fired[j] ≥ window}      → dead_info[0], metrics[8]
//     dense = #{j : fires_j / nTok > dense_frac}  → dead_info[1], metrics[9]
//   ACCUMULATE (latents split into column shards, shards after the first): count adds this shard's
//     counts to dead_info[0..1] instead of overwriting them, and writes the totals to metrics.
// Reference: src/sae/reference/feature_stats.ts
//
// Bindings: feat [2*dSae] (fires at dSae + j), since_fired [dSae] u32 (read_write),
// fire_count [dSae] u32 (read_write), dead_info [4] u32 (read_write), metrics [16] (read_write),
// dims {nTok, dSae, window, dense_frac}.

struct Dims { nTok: u32, dSae: u32, window: u32, dense_frac: f32 }

@group(0) @binding(0) var<storage, read> feat: array<f32>;
@group(0) @binding(1) var<storage, read_write> since_fired: array<u32>;
@group(0) @binding(2) var<storage, read_write> fire_count: array<u32>;
@group(0) @binding(3) var<storage, read_write> dead_info: array<u32>;
@group(0) @binding(4) var<storage, read_write> metrics: array<f32>;
@group(0) @binding(5) var<uniform> dims: Dims;

override WG: u32 = 64u;
override ACCUMULATE: bool = false;

@compute @workgroup_size(WG)
fn update(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= dims.dSae || dead_info[2] != 0u) { return; }
  let fires = u32(feat[dims.dSae + j]);
  if (fires > 0u) {
    since_fired[j] = 0u;
  } else {
    since_fired[j] = min(since_fired[j], 0x7fffffffu - dims.nTok) + dims.nTok;
  }
  fire_count[j] += fires;
}

@compute @workgroup_size(1)
fn count() {
  var dead = 0u;
  var dense = 0u;
  if (ACCUMULATE) {
    dead = dead_info[0];
    dense = dead_info[1];
  }
  let limit = dims.dense_frac * f32(dims.nTok);
  for (var j = 0u; j < dims.dSae; j++) {
    if (since_fired[j] >= dims.window) { dead++; }
    if (feat[dims.dSae + j] > limit) { dense++; }
  }
  dead_info[0] = dead;
  dead_info[1] = dense;
  metrics[8] = f32(dead);
  metrics[9] = f32(dense);
}
