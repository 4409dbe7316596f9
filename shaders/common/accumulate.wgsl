// accumulate: acc[i] += add[i], one invocation per element (e.g. summing per-shard matmul
// products into one output).
// Reference: src/gpu/reference/accumulate.ts
//
// Bindings: acc [n] (read_write), add [n], dims {n}.

struct Dims { n: u32, _a: u32, _b: u32, _c: u32 }

@group(0) @binding(0) var<storage, read_write> acc: array<f32>;
@group(0) @binding(1) var<storage, read> add: array<f32>;
@group(0) @binding(2) var<uniform> dims: Dims;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= dims.n) { return; }
  acc[i] += add[i];
}
