// matmul: C[M,N] = A[M,K] · B[K,N], all row-major f32.
// Reference: src/gpu/reference/matmul.ts
//
// Register blocking: each invocation owns a TM×TN (4×4) tile of C held in registers and
// walks K one step at a time, loading 4 values of A's rows and 4 of B's columns and
// doing 16 FMAs. No workgroup memory: on SwiftShader every runtime-indexed shared load
// is an emulated gather, so register tiles win; on real GPUs this is still a sound
// baseline. Out-of-range rows/columns are clamped on load and masked on store.
//
// Bindings: a [M*K], b [K*N], c [M*N] (read_write), dims {M, N, K}.

struct Dims { M: u32, N: u32, K: u32, _pad: u32 }

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
const TM: u32 = 4u;
const TN: u32 = 4u;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row0 = gid.y * TM;
  let col0 = gid.x * TN;
  if (row0 >= dims.M || col0 >= dims.N) { return; }
  let K = dims.K;
  let N = dims.N;
  // Clamp rows/cols so loads stay in bounds; masked at store.
  let r0 = min(row0 + 0u, dims.M - 1u) * K;
  let r1 = min(row0 + 1u, dims.M - 1u) * K;
  let r2 = min(row0 + 2u, dims.M - 1u) * K;
  let r3 = min(row0 + 3u, dims.M - 1u) * K;
  let c0 = min(col0 + 0u, N - 1u);
  let c1 = min(col0 + 1u, N - 1u);
  let c2 = min(col0 + 2u, N - 1u);
  let c3 = min(col0 + 3u, N - 1u);

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k = 0u; k < K; k++) {
    let bk = k * N;
    let bv = vec4<f32>(b[bk + c0], b[bk + c1], b[bk + c2], b[bk + c3]);
    acc0 = fma(vec4<f32>(a[r0 + k]), bv, acc0);
    acc1 = fma(vec4<f32>(a[r1 + k]), bv, acc1);
    acc2 = fma(vec4<f32>(a[r2 + k]), bv, acc2);
    acc3 = fma(vec4<f32>(a[r3 + k]), bv, acc3);
  }

  let rows = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row >= dims.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let col = col0 + j;
      if (col < N) { c[row * N + col] = rows[i][j]; }
    }
  }
}
