// matmul: C[M,N] = op(A) · op(B), row-major f32, in three layouts chosen by overrides:
//   nn: A [M,K], B [K,N]       (encoder x·W_enc, decoder acts·W_dec)
//   nt: A [M,K], B stored [N,K] (dActs = dRecon · W_decᵀ)
//   tn: A stored [K,M], B [K,N] (dW_enc = x_inᵀ·dPre, dW_dec = actsᵀ·dRecon)
// Reference: src/gpu/reference/matmul.ts
//
// Register blocking: each invocation owns a 16×8 tile of C held in 32 vec4 registers and
// walks K one step at a time, loading 16 values of op(A)'s rows and 8 of op(B)'s columns
// for 128 FMAs. No workgroup memory: on SwiftShader every runtime-indexed shared load is an
// emulated gather, so register tiles win; on real GPUs this is still a sound baseline.
// The layout only changes the element strides (folded at pipeline creation), so all three
// variants share one loop. Out-of-range rows/columns are clamped on load, masked on store.
//
// vec4 entry points (nn_vec4, nt_vec4, tn_vec4): the same tile, grid and summation order (so
// bit-identical results) for shapes whose contiguous dimensions are multiples of 4, reading the
// operands through vec4 views of the same bindings (one load where `main` issues four), which on
// SwiftShader is worth 1.3–2×:
//   nn_vec4: needs K % 4 == 0, N % 4 == 0; 4 k steps per iteration
//   nt_vec4: needs K % 4 == 0;             4 k steps per iteration
//   tn_vec4: needs M % 4 == 0, N % 4 == 0; 1 k step per iteration
// The launcher (src/gpu/kernels/matmul.ts, matmulVariant) picks the entry point.
//
// Bindings: a [M*K], b [K*N], c [M*N] (read_write), dims {M, N, K}.

struct Dims { M: u32, N: u32, K: u32, _pad: u32 }

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
// The same bindings as vec4, for the *_vec4 entry points (an entry point uses one view or the other).
@group(0) @binding(0) var<storage, read> a_v4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b_v4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
/** A is stored [K, M] (read transposed). */
override TRANS_A: bool = false;
/** B is stored [N, K] (read transposed). */
override TRANS_B: bool = false;
const TM: u32 = 16u;
const TN: u32 = 8u;

/** Offset of op(A)[row, 0] and op(B)[0, col], and the stride of one k step. */
fn aBase(row: u32) -> u32 { return select(min(row, dims.M - 1u) * dims.K, min(row, dims.M - 1u), TRANS_A); }
fn bBase(col: u32) -> u32 { return select(min(col, dims.N - 1u), min(col, dims.N - 1u) * dims.K, TRANS_B); }

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row0 = gid.y * TM;
  let col0 = gid.x * TN;
  if (row0 >= dims.M || col0 >= dims.N) { return; }
  let aStep = select(1u, dims.M, TRANS_A);
  let bStep = select(dims.N, 1u, TRANS_B);
  let ra0 = aBase(row0 + 0u); let ra1 = aBase(row0 + 1u); let ra2 = aBase(row0 + 2u); let ra3 = aBase(row0 + 3u); let ra4 = aBase(row0 + 4u); let ra5 = aBase(row0 + 5u); let ra6 = aBase(row0 + 6u); let ra7 = aBase(row0 + 7u); let ra8 = aBase(row0 + 8u); let ra9 = aBase(row0 + 9u); let ra10 = aBase(row0 + 10u); let ra11 = aBase(row0 + 11u); let ra12 = aBase(row0 + 12u); let ra13 = aBase(row0 + 13u); let ra14 = aBase(row0 + 14u); let ra15 = aBase(row0 + 15u);
  let cb0 = bBase(col0); let cb1 = bBase(col0 + 1u); let cb2 = bBase(col0 + 2u); let cb3 = bBase(col0 + 3u);
  let cb4 = bBase(col0 + 4u); let cb5 = bBase(col0 + 5u); let cb6 = bBase(col0 + 6u); let cb7 = bBase(col0 + 7u);
  var c0_0 = vec4<f32>(0.0); var c0_1 = vec4<f32>(0.0);
  var c1_0 = vec4<f32>(0.0); var c1_1 = vec4<f32>(0.0);
  var c2_0 = vec4<f32>(0.0); var c2_1 = vec4<f32>(0.0);
  var c3_0 = vec4<f32>(0.0); var c3_1 = vec4<f32>(0.0);
  var c4_0 = vec4<f32>(0.0); var c4_1 = vec4<f32>(0.0);
  var c5_0 = vec4<f32>(0.0); var c5_1 = vec4<f32>(0.0);
  var c6_0 = vec4<f32>(0.0); var c6_1 = vec4<f32>(0.0);
  var c7_0 = vec4<f32>(0.0); var c7_1 = vec4<f32>(0.0);
  var c8_0 = vec4<f32>(0.0); var c8_1 = vec4<f32>(0.0);
  var c9_0 = vec4<f32>(0.0); var c9_1 = vec4<f32>(0.0);
  var c10_0 = vec4<f32>(0.0); var c10_1 = vec4<f32>(0.0);
  var c11_0 = vec4<f32>(0.0); var c11_1 = vec4<f32>(0.0);
  var c12_0 = vec4<f32>(0.0); var c12_1 = vec4<f32>(0.0);
  var c13_0 = vec4<f32>(0.0); var c13_1 = vec4<f32>(0.0);
  var c14_0 = vec4<f32>(0.0); var c14_1 = vec4<f32>(0.0);
  var c15_0 = vec4<f32>(0.0); var c15_1 = vec4<f32>(0.0);
  var ao = 0u;
  var bo = 0u;
  for (var k = 0u; k < dims.K; k++) {
    let b0 = vec4<f32>(b[cb0 + bo], b[cb1 + bo], b[cb2 + bo], b[cb3 + bo]);
    let b1 = vec4<f32>(b[cb4 + bo], b[cb5 + bo], b[cb6 + bo], b[cb7 + bo]);
    let a0 = vec4<f32>(a[ra0 + ao]); c0_0 = fma(a0, b0, c0_0); c0_1 = fma(a0, b1, c0_1);
    let a1 = vec4<f32>(a[ra1 + ao]); c1_0 = fma(a1, b0, c1_0); c1_1 = fma(a1, b1, c1_1);
    let a2 = vec4<f32>(a[ra2 + ao]); c2_0 = fma(a2, b0, c2_0); c2_1 = fma(a2, b1, c2_1);
    let a3 = vec4<f32>(a[ra3 + ao]); c3_0 = fma(a3, b0, c3_0); c3_1 = fma(a3, b1, c3_1);
    let a4 = vec4<f32>(a[ra4 + ao]); c4_0 = fma(a4, b0, c4_0); c4_1 = fma(a4, b1, c4_1);
    let a5 = vec4<f32>(a[ra5 + ao]); c5_0 = fma(a5, b0, c5_0); c5_1 = fma(a5, b1, c5_1);
    let a6 = vec4<f32>(a[ra6 + ao]); c6_0 = fma(a6, b0, c6_0); c6_1 = fma(a6, b1, c6_1);
    let a7 = vec4<f32>(a[ra7 + ao]); c7_0 = fma(a7, b0, c7_0); c7_1 = fma(a7, b1, c7_1);
    let a8 = vec4<f32>(a[ra8 + ao]); c8_0 = fma(a8, b0, c8_0); c8_1 = fma(a8, b1, c8_1);
    let a9 = vec4<f32>(a[ra9 + ao]); c9_0 = fma(a9, b0, c9_0); c9_1 = fma(a9, b1, c9_1);
    let a10 = vec4<f32>(a[ra10 + ao]); c10_0 = fma(a10, b0, c10_0); c10_1 = fma(a10, b1, c10_1);
    let a11 = vec4<f32>(a[ra11 + ao]); c11_0 = fma(a11, b0, c11_0); c11_1 = fma(a11, b1, c11_1);
    let a12 = vec4<f32>(a[ra12 + ao]); c12_0 = fma(a12, b0, c12_0); c12_1 = fma(a12, b1, c12_1);
    let a13 = vec4<f32>(a[ra13 + ao]); c13_0 = fma(a13, b0, c13_0); c13_1 = fma(a13, b1, c13_1);
    let a14 = vec4<f32>(a[ra14 + ao]); c14_0 = fma(a14, b0, c14_0); c14_1 = fma(a14, b1, c14_1);
    let a15 = vec4<f32>(a[ra15 + ao]); c15_0 = fma(a15, b0, c15_0); c15_1 = fma(a15, b1, c15_1);
    ao += aStep;
    bo += bStep;
  }

  store(row0 + 0u, col0, c0_0, c0_1);
  store(row0 + 1u, col0, c1_0, c1_1);
  store(row0 + 2u, col0, c2_0, c2_1);
  store(row0 + 3u, col0, c3_0, c3_1);
  store(row0 + 4u, col0, c4_0, c4_1);
  store(row0 + 5u, col0, c5_0, c5_1);
  store(row0 + 6u, col0, c6_0, c6_1);
  store(row0 + 7u, col0, c7_0, c7_1);
  store(row0 + 8u, col0, c8_0, c8_1);
  store(row0 + 9u, col0, c9_0, c9_1);
  store(row0 + 10u, col0, c10_0, c10_1);
  store(row0 + 11u, col0, c11_0, c11_1);
  store(row0 + 12u, col0, c12_0, c12_1);
  store(row0 + 13u, col0, c13_0, c13_1);
  store(row0 + 14u, col0, c14_0, c14_1);
  store(row0 + 15u, col0, c15_0, c15_1);
}
@compute @workgroup_size(WG_X, WG_Y, 1)
fn nn_vec4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row0 = gid.y * TM;
  let col0 = gid.x * TN;
  if (row0 >= dims.M || col0 >= dims.N) { return; }
  let K4 = dims.K / 4u;
  let N4 = dims.N / 4u;
  // Rows and the second column quad past the edge are clamped on load, masked on store.
  let q0 = col0 / 4u;
  let q1 = min(q0 + 1u, N4 - 1u);
  let ra0 = min(row0 + 0u, dims.M - 1u) * K4;
  let ra1 = min(row0 + 1u, dims.M - 1u) * K4;
  let ra2 = min(row0 + 2u, dims.M - 1u) * K4;
  let ra3 = min(row0 + 3u, dims.M - 1u) * K4;
  let ra4 = min(row0 + 4u, dims.M - 1u) * K4;
  let ra5 = min(row0 + 5u, dims.M - 1u) * K4;
  let ra6 = min(row0 + 6u, dims.M - 1u) * K4;
  let ra7 = min(row0 + 7u, dims.M - 1u) * K4;
  let ra8 = min(row0 + 8u, dims.M - 1u) * K4;
  let ra9 = min(row0 + 9u, dims.M - 1u) * K4;
  let ra10 = min(row0 + 10u, dims.M - 1u) * K4;
  let ra11 = min(row0 + 11u, dims.M - 1u) * K4;
  let ra12 = min(row0 + 12u, dims.M - 1u) * K4;
  let ra13 = min(row0 + 13u, dims.M - 1u) * K4;
  let ra14 = min(row0 + 14u, dims.M - 1u) * K4;
  let ra15 = min(row0 + 15u, dims.M - 1u) * K4;
  var c0_0 = vec4<f32>(0.0); var c0_1 = vec4<f32>(0.0);
  var c1_0 = vec4<f32>(0.0); var c1_1 = vec4<f32>(0.0);
  var c2_0 = vec4<f32>(0.0); var c2_1 = vec4<f32>(0.0);
  var c3_0 = vec4<f32>(0.0); var c3_1 = vec4<f32>(0.0);
  var c4_0 = vec4<f32>(0.0); var c4_1 = vec4<f32>(0.0);
  var c5_0 = vec4<f32>(0.0); var c5_1 = vec4<f32>(0.0);
  var c6_0 = vec4<f32>(0.0); var c6_1 = vec4<f32>(0.0);
  var c7_0 = vec4<f32>(0.0); var c7_1 = vec4<f32>(0.0);
  var c8_0 = vec4<f32>(0.0); var c8_1 = vec4<f32>(0.0);
  var c9_0 = vec4<f32>(0.0); var c9_1 = vec4<f32>(0.0);
  var c10_0 = vec4<f32>(0.0); var c10_1 = vec4<f32>(0.0);
  var c11_0 = vec4<f32>(0.0); var c11_1 = vec4<f32>(0.0);
  var c12_0 = vec4<f32>(0.0); var c12_1 = vec4<f32>(0.0);
  var c13_0 = vec4<f32>(0.0); var c13_1 = vec4<f32>(0.0);
  var c14_0 = vec4<f32>(0.0); var c14_1 = vec4<f32>(0.0);
  var c15_0 = vec4<f32>(0.0); var c15_1 = vec4<f32>(0.0);
  var bo = 0u;
  for (var k = 0u; k < K4; k++) {
    // B rows k..k+3 (8 columns each), then each A row's 4 values along k.
    let b0_0 = b_v4[bo + 0u * N4 + q0]; let b0_1 = b_v4[bo + 0u * N4 + q1];
    let b1_0 = b_v4[bo + 1u * N4 + q0]; let b1_1 = b_v4[bo + 1u * N4 + q1];
    let b2_0 = b_v4[bo + 2u * N4 + q0]; let b2_1 = b_v4[bo + 2u * N4 + q1];
    let b3_0 = b_v4[bo + 3u * N4 + q0]; let b3_1 = b_v4[bo + 3u * N4 + q1];
    let a0 = a_v4[ra0 + k]; c0_0 = fma(vec4<f32>(a0.x), b0_0, c0_0); c0_1 = fma(vec4<f32>(a0.x), b0_1, c0_1); c0_0 = fma(vec4<f32>(a0.y), b1_0, c0_0); c0_1 = fma(vec4<f32>(a0.y), b1_1, c0_1); c0_0 = fma(vec4<f32>(a0.z), b2_0, c0_0); c0_1 = fma(vec4<f32>(a0.z), b2_1, c0_1); c0_0 = fma(vec4<f32>(a0.w), b3_0, c0_0); c0_1 = fma(vec4<f32>(a0.w), b3_1, c0_1);
    let a1 = a_v4[ra1 + k]; c1_0 = fma(vec4<f32>(a1.x), b0_0, c1_0); c1_1 = fma(vec4<f32>(a1.x), b0_1, c1_1); c1_0 = fma(vec4<f32>(a1.y), b1_0, c1_0); c1_1 = fma(vec4<f32>(a1.y), b1_1, c1_1); c1_0 = fma(vec4<f32>(a1.z), b2_0, c1_0); c1_1 = fma(vec4<f32>(a1.z), b2_1, c1_1); c1_0 = fma(vec4<f32>(a1.w), b3_0, c1_0); c1_1 = fma(vec4<f32>(a1.w), b3_1, c1_1);
    let a2 = a_v4[ra2 + k]; c2_0 = fma(vec4<f32>(a2.x), b0_0, c2_0); c2_1 = fma(vec4<f32>(a2.x), b0_1, c2_1); c2_0 = fma(vec4<f32>(a2.y), b1_0, c2_0); c2_1 = fma(vec4<f32>(a2.y), b1_1, c2_1); c2_0 = fma(vec4<f32>(a2.z), b2_0, c2_0); c2_1 = fma(vec4<f32>(a2.z), b2_1, c2_1); c2_0 = fma(vec4<f32>(a2.w), b3_0, c2_0); c2_1 = fma(vec4<f32>(a2.w), b3_1, c2_1);
    let a3 = a_v4[ra3 + k]; c3_0 = fma(vec4<f32>(a3.x), b0_0, c3_0); c3_1 = fma(vec4<f32>(a3.x), b0_1, c3_1); c3_0 = fma(vec4<f32>(a3.y), b1_0, c3_0); c3_1 = fma(vec4<f32>(a3.y), b1_1, c3_1); c3_0 = fma(vec4<f32>(a3.z), b2_0, c3_0); c3_1 = fma(vec4<f32>(a3.z), b2_1, c3_1); c3_0 = fma(vec4<f32>(a3.w), b3_0, c3_0); c3_1 = fma(vec4<f32>(a3.w), b3_1, c3_1);
    let a4 = a_v4[ra4 + k]; c4_0 = fma(vec4<f32>(a4.x), b0_0, c4_0); c4_1 = fma(vec4<f32>(a4.x), b0_1, c4_1); c4_0 = fma(vec4<f32>(a4.y), b1_0, c4_0); c4_1 = fma(vec4<f32>(a4.y), b1_1, c4_1); c4_0 = fma(vec4<f32>(a4.z), b2_0, c4_0); c4_1 = fma(vec4<f32>(a4.z), b2_1, c4_1); c4_0 = fma(vec4<f32>(a4.w), b3_0, c4_0); c4_1 = fma(vec4<f32>(a4.w), b3_1, c4_1);
    let a5 = a_v4[ra5 + k]; c5_0 = fma(vec4<f32>(a5.x), b0_0, c5_0); c5_1 = fma(vec4<f32>(a5.x), b0_1, c5_1); c5_0 = fma(vec4<f32>(a5.y), b1_0, c5_0); c5_1 = fma(vec4<f32>(a5.y), b1_1, c5_1); c5_0 = fma(vec4<f32>(a5.z), b2_0, c5_0); c5_1 = fma(vec4<f32>(a5.z), b2_1, c5_1); c5_0 = fma(vec4<f32>(a5.w), b3_0, c5_0); c5_1 = fma(vec4<f32>(a5.w), b3_1, c5_1);
    let a6 = a_v4[ra6 + k]; c6_0 = fma(vec4<f32>(a6.x), b0_0, c6_0); c6_1 = fma(vec4<f32>(a6.x), b0_1, c6_1); c6_0 = fma(vec4<f32>(a6.y), b1_0, c6_0); c6_1 = fma(vec4<f32>(a6.y), b1_1, c6_1); c6_0 = fma(vec4<f32>(a6.z), b2_0, c6_0); c6_1 = fma(vec4<f32>(a6.z), b2_1, c6_1); c6_0 = fma(vec4<f32>(a6.w), b3_0, c6_0); c6_1 = fma(vec4<f32>(a6.w), b3_1, c6_1);
    let a7 = a_v4[ra7 + k]; c7_0 = fma(vec4<f32>(a7.x), b0_0, c7_0); c7_1 = fma(vec4<f32>(a7.x), b0_1, c7_1); c7_0 = fma(vec4<f32>(a7.y), b1_0, c7_0); c7_1 = fma(vec4<f32>(a7.y), b1_1, c7_1); c7_0 = fma(vec4<f32>(a7.z), b2_0, c7_0); c7_1 = fma(vec4<f32>(a7.z), b2_1, c7_1); c7_0 = fma(vec4<f32>(a7.w), b3_0, c7_0); c7_1 = fma(vec4<f32>(a7.w), b3_1, c7_1);
    let a8 = a_v4[ra8 + k]; c8_0 = fma(vec4<f32>(a8.x), b0_0, c8_0); c8_1 = fma(vec4<f32>(a8.x), b0_1, c8_1); c8_0 = fma(vec4<f32>(a8.y), b1_0, c8_0); c8_1 = fma(vec4<f32>(a8.y), b1_1, c8_1); c8_0 = fma(vec4<f32>(a8.z), b2_0, c8_0); c8_1 = fma(vec4<f32>(a8.z), b2_1, c8_1); c8_0 = fma(vec4<f32>(a8.w), b3_0, c8_0); c8_1 = fma(vec4<f32>(a8.w), b3_1, c8_1);
    let a9 = a_v4[ra9 + k]; c9_0 = fma(vec4<f32>(a9.x), b0_0, c9_0); c9_1 = fma(vec4<f32>(a9.x), b0_1, c9_1); c9_0 = fma(vec4<f32>(a9.y), b1_0, c9_0); c9_1 = fma(vec4<f32>(a9.y), b1_1, c9_1); c9_0 = fma(vec4<f32>(a9.z), b2_0, c9_0); c9_1 = fma(vec4<f32>(a9.z), b2_1, c9_1); c9_0 = fma(vec4<f32>(a9.w), b3_0, c9_0); c9_1 = fma(vec4<f32>(a9.w), b3_1, c9_1);
    let a10 = a_v4[ra10 + k]; c10_0 = fma(vec4<f32>(a10.x), b0_0, c10_0); c10_1 = fma(vec4<f32>(a10.x), b0_1, c10_1); c10_0 = fma(vec4<f32>(a10.y), b1_0, c10_0); c10_1 = fma(vec4<f32>(a10.y), b1_1, c10_1); c10_0 = fma(vec4<f32>(a10.z), b2_0, c10_0); c10_1 = fma(vec4<f32>(a10.z), b2_1, c10_1); c10_0 = fma(vec4<f32>(a10.w), b3_0, c10_0); c10_1 = fma(vec4<f32>(a10.w), b3_1, c10_1);
    let a11 = a_v4[ra11 + k]; c11_0 = fma(vec4<f32>(a11.x), b0_0, c11_0); c11_1 = fma(vec4<f32>(a11.x), b0_1, c11_1); c11_0 = fma(vec4<f32>(a11.y), b1_0, c11_0); c11_1 = fma(vec4<f32>(a11.y), b1_1, c11_1); c11_0 = fma(vec4<f32>(a11.z), b2_0, c11_0); c11_1 = fma(vec4<f32>(a11.z), b2_1, c11_1); c11_0 = fma(vec4<f32>(a11.w), b3_0, c11_0); c11_1 = fma(vec4<f32>(a11.w), b3_1, c11_1);
    let a12 = a_v4[ra12 + k]; c12_0 = fma(vec4<f32>(a12.x), b0_0, c12_0); c12_1 = fma(vec4<f32>(a12.x), b0_1, c12_1); c12_0 = fma(vec4<f32>(a12.y), b1_0, c12_0); c12_1 = fma(vec4<f32>(a12.y), b1_1, c12_1); c12_0 = fma(vec4<f32>(a12.z), b2_0, c12_0); c12_1 = fma(vec4<f32>(a12.z), b2_1, c12_1); c12_0 = fma(vec4<f32>(a12.w), b3_0, c12_0); c12_1 = fma(vec4<f32>(a12.w), b3_1, c12_1);
    let a13 = a_v4[ra13 + k]; c13_0 = fma(vec4<f32>(a13.x), b0_0, c13_0); c13_1 = fma(vec4<f32>(a13.x), b0_1, c13_1); c13_0 = fma(vec4<f32>(a13.y), b1_0, c13_0); c13_1 = fma(vec4<f32>(a13.y), b1_1, c13_1); c13_0 = fma(vec4<f32>(a13.z), b2_0, c13_0); c13_1 = fma(vec4<f32>(a13.z), b2_1, c13_1); c13_0 = fma(vec4<f32>(a13.w), b3_0, c13_0); c13_1 = fma(vec4<f32>(a13.w), b3_1, c13_1);
    let a14 = a_v4[ra14 + k]; c14_0 = fma(vec4<f32>(a14.x), b0_0, c14_0); c14_1 = fma(vec4<f32>(a14.x), b0_1, c14_1); c14_0 = fma(vec4<f32>(a14.y), b1_0, c14_0); c14_1 = fma(vec4<f32>(a14.y), b1_1, c14_1); c14_0 = fma(vec4<f32>(a14.z), b2_0, c14_0); c14_1 = fma(vec4<f32>(a14.z), b2_1, c14_1); c14_0 = fma(vec4<f32>(a14.w), b3_0, c14_0); c14_1 = fma(vec4<f32>(a14.w), b3_1, c14_1);
    let a15 = a_v4[ra15 + k]; c15_0 = fma(vec4<f32>(a15.x), b0_0, c15_0); c15_1 = fma(vec4<f32>(a15.x), b0_1, c15_1); c15_0 = fma(vec4<f32>(a15.y), b1_0, c15_0); c15_1 = fma(vec4<f32>(a15.y), b1_1, c15_1); c15_0 = fma(vec4<f32>(a15.z), b2_0, c15_0); c15_1 = fma(vec4<f32>(a15.z), b2_1, c15_1); c15_0 = fma(vec4<f32>(a15.w), b3_0, c15_0); c15_1 = fma(vec4<f32>(a15.w), b3_1, c15_1);
    bo += 4u * N4;
  }
  store(row0 + 0u, col0, c0_0, c0_1);
  store(row0 + 1u, col0, c1_0, c1_1);
  store(row0 + 2u, col0, c2_0, c2_1);
  store(row0 + 3u, col0, c3_0, c3_1);
  store(row0 + 4u, col0, c4_0, c4_1);
  store(row0 + 5u, col0, c5_0, c5_1);
  store(row0 + 6u, col0, c6_0, c6_1);
  store(row0 + 7u, col0, c7_0, c7_1);
  store(row0 + 8u, col0, c8_0, c8_1);
  store(row0 + 9u, col0, c9_0, c9_1);
  store(row0 + 10u, col0, c10_0, c10_1);
  store(row0 + 11u, col0, c11_0, c11_1);
  store(row0 + 12u, col0, c12_0, c12_1);
  store(row0 + 13u, col0, c13_0, c13_1);
  store(row0 + 14u, col0, c14_0, c14_1);
  store(row0 + 15u, col0, c15_0, c15_1);
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn nt_vec4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row0 = gid.y * TM;
  let col0 = gid.x * TN;
  if (row0 >= dims.M || col0 >= dims.N) { return; }
  let K4 = dims.K / 4u;
  let ra0 = min(row0 + 0u, dims.M - 1u) * K4;
  let ra1 = min(row0 + 1u, dims.M - 1u) * K4;
  let ra2 = min(row0 + 2u, dims.M - 1u) * K4;
  let ra3 = min(row0 + 3u, dims.M - 1u) * K4;
  let ra4 = min(row0 + 4u, dims.M - 1u) * K4;
  let ra5 = min(row0 + 5u, dims.M - 1u) * K4;
  let ra6 = min(row0 + 6u, dims.M - 1u) * K4;
  let ra7 = min(row0 + 7u, dims.M - 1u) * K4;
  let ra8 = min(row0 + 8u, dims.M - 1u) * K4;
  let ra9 = min(row0 + 9u, dims.M - 1u) * K4;
  let ra10 = min(row0 + 10u, dims.M - 1u) * K4;
  let ra11 = min(row0 + 11u, dims.M - 1u) * K4;
  let ra12 = min(row0 + 12u, dims.M - 1u) * K4;
  let ra13 = min(row0 + 13u, dims.M - 1u) * K4;
  let ra14 = min(row0 + 14u, dims.M - 1u) * K4;
  let ra15 = min(row0 + 15u, dims.M - 1u) * K4;
  let cb0 = min(col0 + 0u, dims.N - 1u) * K4;
  let cb1 = min(col0 + 1u, dims.N - 1u) * K4;
  let cb2 = min(col0 + 2u, dims.N - 1u) * K4;
  let cb3 = min(col0 + 3u, dims.N - 1u) * K4;
  let cb4 = min(col0 + 4u, dims.N - 1u) * K4;
  let cb5 = min(col0 + 5u, dims.N - 1u) * K4;
  let cb6 = min(col0 + 6u, dims.N - 1u) * K4;
  let cb7 = min(col0 + 7u, dims.N - 1u) * K4;
  var c0_0 = vec4<f32>(0.0); var c0_1 = vec4<f32>(0.0);
  var c1_0 = vec4<f32>(0.0); var c1_1 = vec4<f32>(0.0);
  var c2_0 = vec4<f32>(0.0); var c2_1 = vec4<f32>(0.0);
  var c3_0 = vec4<f32>(0.0); var c3_1 = vec4<f32>(0.0);
  var c4_0 = vec4<f32>(0.0); var c4_1 = vec4<f32>(0.0);
  var c5_0 = vec4<f32>(0.0); var c5_1 = vec4<f32>(0.0);
  var c6_0 = vec4<f32>(0.0); var c6_1 = vec4<f32>(0.0);
  var c7_0 = vec4<f32>(0.0); var c7_1 = vec4<f32>(0.0);
  var c8_0 = vec4<f32>(0.0); var c8_1 = vec4<f32>(0.0);
  var c9_0 = vec4<f32>(0.0); var c9_1 = vec4<f32>(0.0);
  var c10_0 = vec4<f32>(0.0); var c10_1 = vec4<f32>(0.0);
  var c11_0 = vec4<f32>(0.0); var c11_1 = vec4<f32>(0.0);
  var c12_0 = vec4<f32>(0.0); var c12_1 = vec4<f32>(0.0);
  var c13_0 = vec4<f32>(0.0); var c13_1 = vec4<f32>(0.0);
  var c14_0 = vec4<f32>(0.0); var c14_1 = vec4<f32>(0.0);
  var c15_0 = vec4<f32>(0.0); var c15_1 = vec4<f32>(0.0);
  for (var k = 0u; k < K4; k++) {
    // Each of the 8 B rows (= columns of Bᵀ) gives 4 values along k; regroup them per k step.
    let v0 = b_v4[cb0 + k];
    let v1 = b_v4[cb1 + k];
    let v2 = b_v4[cb2 + k];
    let v3 = b_v4[cb3 + k];
    let v4 = b_v4[cb4 + k];
    let v5 = b_v4[cb5 + k];
    let v6 = b_v4[cb6 + k];
    let v7 = b_v4[cb7 + k];
    let b0_0 = vec4<f32>(v0.x, v1.x, v2.x, v3.x); let b0_1 = vec4<f32>(v4.x, v5.x, v6.x, v7.x);
    let b1_0 = vec4<f32>(v0.y, v1.y, v2.y, v3.y); let b1_1 = vec4<f32>(v4.y, v5.y, v6.y, v7.y);
    let b2_0 = vec4<f32>(v0.z, v1.z, v2.z, v3.z); let b2_1 = vec4<f32>(v4.z, v5.z, v6.z, v7.z);
    let b3_0 = vec4<f32>(v0.w, v1.w, v2.w, v3.w); let b3_1 = vec4<f32>(v4.w, v5.w, v6.w, v7.w);
    let a0 = a_v4[ra0 + k]; c0_0 = fma(vec4<f32>(a0.x), b0_0, c0_0); c0_1 = fma(vec4<f32>(a0.x), b0_1, c0_1); c0_0 = fma(vec4<f32>(a0.y), b1_0, c0_0); c0_1 = fma(vec4<f32>(a0.y), b1_1, c0_1); c0_0 = fma(vec4<f32>(a0.z), b2_0, c0_0); c0_1 = fma(vec4<f32>(a0.z), b2_1, c0_1); c0_0 = fma(vec4<f32>(a0.w), b3_0, c0_0); c0_1 = fma(vec4<f32>(a0.w), b3_1, c0_1);
    let a1 = a_v4[ra1 + k]; c1_0 = fma(vec4<f32>(a1.x), b0_0, c1_0); c1_1 = fma(vec4<f32>(a1.x), b0_1, c1_1); c1_0 = fma(vec4<f32>(a1.y), b1_0, c1_0); c1_1 = fma(vec4<f32>(a1.y), b1_1, c1_1); c1_0 = fma(vec4<f32>(a1.z), b2_0, c1_0); c1_1 = fma(vec4<f32>(a1.z), b2_1, c1_1); c1_0 = fma(vec4<f32>(a1.w), b3_0, c1_0); c1_1 = fma(vec4<f32>(a1.w), b3_1, c1_1);
    let a2 = a_v4[ra2 + k]; c2_0 = fma(vec4<f32>(a2.x), b0_0, c2_0); c2_1 = fma(vec4<f32>(a2.x), b0_1, c2_1); c2_0 = fma(vec4<f32>(a2.y), b1_0, c2_0); c2_1 = fma(vec4<f32>(a2.y), b1_1, c2_1); c2_0 = fma(vec4<f32>(a2.z), b2_0, c2_0); c2_1 = fma(vec4<f32>(a2.z), b2_1, c2_1); c2_0 = fma(vec4<f32>(a2.w), b3_0, c2_0); c2_1 = fma(vec4<f32>(a2.w), b3_1, c2_1);
    let a3 = a_v4[ra3 + k]; c3_0 = fma(vec4<f32>(a3.x), b0_0, c3_0); c3_1 = fma(vec4<f32>(a3.x), b0_1, c3_1); c3_0 = fma(vec4<f32>(a3.y), b1_0, c3_0); c3_1 = fma(vec4<f32>(a3.y), b1_1, c3_1); c3_0 = fma(vec4<f32>(a3.z), b2_0, c3_0); c3_1 = fma(vec4<f32>(a3.z), b2_1, c3_1); c3_0 = fma(vec4<f32>(a3.w), b3_0, c3_0); c3_1 = fma(vec4<f32>(a3.w), b3_1, c3_1);
    let a4 = a_v4[ra4 + k]; c4_0 = fma(vec4<f32>(a4.x), b0_0, c4_0); c4_1 = fma(vec4<f32>(a4.x), b0_1, c4_1); c4_0 = fma(vec4<f32>(a4.y), b1_0, c4_0); c4_1 = fma(vec4<f32>(a4.y), b1_1, c4_1); c4_0 = fma(vec4<f32>(a4.z), b2_0, c4_0); c4_1 = fma(vec4<f32>(a4.z), b2_1, c4_1); c4_0 = fma(vec4<f32>(a4.w), b3_0, c4_0); c4_1 = fma(vec4<f32>(a4.w), b3_1, c4_1);
    let a5 = a_v4[ra5 + k]; c5_0 = fma(vec4<f32>(a5.x), b0_0, c5_0); c5_1 = fma(vec4<f32>(a5.x), b0_1, c5_1); c5_0 = fma(vec4<f32>(a5.y), b1_0, c5_0); c5_1 = fma(vec4<f32>(a5.y), b1_1, c5_1); c5_0 = fma(vec4<f32>(a5.z), b2_0, c5_0); c5_1 = fma(vec4<f32>(a5.z), b2_1, c5_1); c5_0 = fma(vec4<f32>(a5.w), b3_0, c5_0); c5_1 = fma(vec4<f32>(a5.w), b3_1, c5_1);
    let a6 = a_v4[ra6 + k]; c6_0 = fma(vec4<f32>(a6.x), b0_0, c6_0); c6_1 = fma(vec4<f32>(a6.x), b0_1, c6_1); c6_0 = fma(vec4<f32>(a6.y), b1_0, c6_0); c6_1 = fma(vec4<f32>(a6.y), b1_1, c6_1); c6_0 = fma(vec4<f32>(a6.z), b2_0, c6_0); c6_1 = fma(vec4<f32>(a6.z), b2_1, c6_1); c6_0 = fma(vec4<f32>(a6.w), b3_0, c6_0); c6_1 = fma(vec4<f32>(a6.w), b3_1, c6_1);
    let a7 = a_v4[ra7 + k]; c7_0 = fma(vec4<f32>(a7.x), b0_0, c7_0); c7_1 = fma(vec4<f32>(a7.x), b0_1, c7_1); c7_0 = fma(vec4<f32>(a7.y), b1_0, c7_0); c7_1 = fma(vec4<f32>(a7.y), b1_1, c7_1); c7_0 = fma(vec4<f32>(a7.z), b2_0, c7_0); c7_1 = fma(vec4<f32>(a7.z), b2_1, c7_1); c7_0 = fma(vec4<f32>(a7.w), b3_0, c7_0); c7_1 = fma(vec4<f32>(a7.w), b3_1, c7_1);
    let a8 = a_v4[ra8 + k]; c8_0 = fma(vec4<f32>(a8.x), b0_0, c8_0); c8_1 = fma(vec4<f32>(a8.x), b0_1, c8_1); c8_0 = fma(vec4<f32>(a8.y), b1_0, c8_0); c8_1 = fma(vec4<f32>(a8.y), b1_1, c8_1); c8_0 = fma(vec4<f32>(a8.z), b2_0, c8_0); c8_1 = fma(vec4<f32>(a8.z), b2_1, c8_1); c8_0 = fma(vec4<f32>(a8.w), b3_0, c8_0); c8_1 = fma(vec4<f32>(a8.w), b3_1, c8_1);
    let a9 = a_v4[ra9 + k]; c9_0 = fma(vec4<f32>(a9.x), b0_0, c9_0); c9_1 = fma(vec4<f32>(a9.x), b0_1, c9_1); c9_0 = fma(vec4<f32>(a9.y), b1_0, c9_0); c9_1 = fma(vec4<f32>(a9.y), b1_1, c9_1); c9_0 = fma(vec4<f32>(a9.z), b2_0, c9_0); c9_1 = fma(vec4<f32>(a9.z), b2_1, c9_1); c9_0 = fma(vec4<f32>(a9.w), b3_0, c9_0); c9_1 = fma(vec4<f32>(a9.w), b3_1, c9_1);
    let a10 = a_v4[ra10 + k]; c10_0 = fma(vec4<f32>(a10.x), b0_0, c10_0); c10_1 = fma(vec4<f32>(a10.x), b0_1, c10_1); c10_0 = fma(vec4<f32>(a10.y), b1_0, c10_0); c10_1 = fma(vec4<f32>(a10.y), b1_1, c10_1); c10_0 = fma(vec4<f32>(a10.z), b2_0, c10_0); c10_1 = fma(vec4<f32>(a10.z), b2_1, c10_1); c10_0 = fma(vec4<f32>(a10.w), b3_0, c10_0); c10_1 = fma(vec4<f32>(a10.w), b3_1, c10_1);
    let a11 = a_v4[ra11 + k]; c11_0 = fma(vec4<f32>(a11.x), b0_0, c11_0); c11_1 = fma(vec4<f32>(a11.x), b0_1, c11_1); c11_0 = fma(vec4<f32>(a11.y), b1_0, c11_0); c11_1 = fma(vec4<f32>(a11.y), b1_1, c11_1); c11_0 = fma(vec4<f32>(a11.z), b2_0, c11_0); c11_1 = fma(vec4<f32>(a11.z), b2_1, c11_1); c11_0 = fma(vec4<f32>(a11.w), b3_0, c11_0); c11_1 = fma(vec4<f32>(a11.w), b3_1, c11_1);
    let a12 = a_v4[ra12 + k]; c12_0 = fma(vec4<f32>(a12.x), b0_0, c12_0); c12_1 = fma(vec4<f32>(a12.x), b0_1, c12_1); c12_0 = fma(vec4<f32>(a12.y), b1_0, c12_0); c12_1 = fma(vec4<f32>(a12.y), b1_1, c12_1); c12_0 = fma(vec4<f32>(a12.z), b2_0, c12_0); c12_1 = fma(vec4<f32>(a12.z), b2_1, c12_1); c12_0 = fma(vec4<f32>(a12.w), b3_0, c12_0); c12_1 = fma(vec4<f32>(a12.w), b3_1, c12_1);
    let a13 = a_v4[ra13 + k]; c13_0 = fma(vec4<f32>(a13.x), b0_0, c13_0); c13_1 = fma(vec4<f32>(a13.x), b0_1, c13_1); c13_0 = fma(vec4<f32>(a13.y), b1_0, c13_0); c13_1 = fma(vec4<f32>(a13.y), b1_1, c13_1); c13_0 = fma(vec4<f32>(a13.z), b2_0, c13_0); c13_1 = fma(vec4<f32>(a13.z), b2_1, c13_1); c13_0 = fma(vec4<f32>(a13.w), b3_0, c13_0); c13_1 = fma(vec4<f32>(a13.w), b3_1, c13_1);
    let a14 = a_v4[ra14 + k]; c14_0 = fma(vec4<f32>(a14.x), b0_0, c14_0); c14_1 = fma(vec4<f32>(a14.x), b0_1, c14_1); c14_0 = fma(vec4<f32>(a14.y), b1_0, c14_0); c14_1 = fma(vec4<f32>(a14.y), b1_1, c14_1); c14_0 = fma(vec4<f32>(a14.z), b2_0, c14_0); c14_1 = fma(vec4<f32>(a14.z), b2_1, c14_1); c14_0 = fma(vec4<f32>(a14.w), b3_0, c14_0); c14_1 = fma(vec4<f32>(a14.w), b3_1, c14_1);
    let a15 = a_v4[ra15 + k]; c15_0 = fma(vec4<f32>(a15.x), b0_0, c15_0); c15_1 = fma(vec4<f32>(a15.x), b0_1, c15_1); c15_0 = fma(vec4<f32>(a15.y), b1_0, c15_0); c15_1 = fma(vec4<f32>(a15.y), b1_1, c15_1); c15_0 = fma(vec4<f32>(a15.z), b2_0, c15_0); c15_1 = fma(vec4<f32>(a15.z), b2_1, c15_1); c15_0 = fma(vec4<f32>(a15.w), b3_0, c15_0); c15_1 = fma(vec4<f32>(a15.w), b3_1, c15_1);
  }
  store(row0 + 0u, col0, c0_0, c0_1);
  store(row0 + 1u, col0, c1_0, c1_1);
  store(row0 + 2u, col0, c2_0, c2_1);
  store(row0 + 3u, col0, c3_0, c3_1);
  store(row0 + 4u, col0, c4_0, c4_1);
  store(row0 + 5u, col0, c5_0, c5_1);
  store(row0 + 6u, col0, c6_0, c6_1);
  store(row0 + 7u, col0, c7_0, c7_1);
  store(row0 + 8u, col0, c8_0, c8_1);
  store(row0 + 9u, col0, c9_0, c9_1);
  store(row0 + 10u, col0, c10_0, c10_1);
  store(row0 + 11u, col0, c11_0, c11_1);
  store(row0 + 12u, col0, c12_0, c12_1);
  store(row0 + 13u, col0, c13_0, c13_1);
  store(row0 + 14u, col0, c14_0, c14_1);
  store(row0 + 15u, col0, c15_0, c15_1);
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn tn_vec4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row0 = gid.y * TM;
  let col0 = gid.x * TN;
  if (row0 >= dims.M || col0 >= dims.N) { return; }
  let M4 = dims.M / 4u;
  let N4 = dims.N / 4u;
  // Row quads and the second column quad past the edge are clamped on load, masked on store.
  let p0 = row0 / 4u;
  let p1 = min(p0 + 1u, M4 - 1u);
  let p2 = min(p0 + 2u, M4 - 1u);
  let p3 = min(p0 + 3u, M4 - 1u);
  let q0 = col0 / 4u;
  let q1 = min(q0 + 1u, N4 - 1u);
  var c0_0 = vec4<f32>(0.0); var c0_1 = vec4<f32>(0.0);
  var c1_0 = vec4<f32>(0.0); var c1_1 = vec4<f32>(0.0);
  var c2_0 = vec4<f32>(0.0); var c2_1 = vec4<f32>(0.0);
  var c3_0 = vec4<f32>(0.0); var c3_1 = vec4<f32>(0.0);
  var c4_0 = vec4<f32>(0.0); var c4_1 = vec4<f32>(0.0);
  var c5_0 = vec4<f32>(0.0); var c5_1 = vec4<f32>(0.0);
  var c6_0 = vec4<f32>(0.0); var c6_1 = vec4<f32>(0.0);
  var c7_0 = vec4<f32>(0.0); var c7_1 = vec4<f32>(0.0);
  var c8_0 = vec4<f32>(0.0); var c8_1 = vec4<f32>(0.0);
  var c9_0 = vec4<f32>(0.0); var c9_1 = vec4<f32>(0.0);
  var c10_0 = vec4<f32>(0.0); var c10_1 = vec4<f32>(0.0);
  var c11_0 = vec4<f32>(0.0); var c11_1 = vec4<f32>(0.0);
  var c12_0 = vec4<f32>(0.0); var c12_1 = vec4<f32>(0.0);
  var c13_0 = vec4<f32>(0.0); var c13_1 = vec4<f32>(0.0);
  var c14_0 = vec4<f32>(0.0); var c14_1 = vec4<f32>(0.0);
  var c15_0 = vec4<f32>(0.0); var c15_1 = vec4<f32>(0.0);
  var ao = 0u;
  var bo = 0u;
  for (var k = 0u; k < dims.K; k++) {
    // Row k of the stored A holds op(A)'s 16 rows of this tile as 4 quads; row k of B its 8 columns.
    let a0 = a_v4[ao + p0]; let a1 = a_v4[ao + p1]; let a2 = a_v4[ao + p2]; let a3 = a_v4[ao + p3];
    let b0 = b_v4[bo + q0]; let b1 = b_v4[bo + q1];
    c0_0 = fma(vec4<f32>(a0.x), b0, c0_0); c0_1 = fma(vec4<f32>(a0.x), b1, c0_1);
    c1_0 = fma(vec4<f32>(a0.y), b0, c1_0); c1_1 = fma(vec4<f32>(a0.y), b1, c1_1);
    c2_0 = fma(vec4<f32>(a0.z), b0, c2_0); c2_1 = fma(vec4<f32>(a0.z), b1, c2_1);
    c3_0 = fma(vec4<f32>(a0.w), b0, c3_0); c3_1 = fma(vec4<f32>(a0.w), b1, c3_1);
    c4_0 = fma(vec4<f32>(a1.x), b0, c4_0); c4_1 = fma(vec4<f32>(a1.x), b1, c4_1);
    c5_0 = fma(vec4<f32>(a1.y), b0, c5_0); c5_1 = fma(vec4<f32>(a1.y), b1, c5_1);
    c6_0 = fma(vec4<f32>(a1.z), b0, c6_0); c6_1 = fma(vec4<f32>(a1.z), b1, c6_1);
    c7_0 = fma(vec4<f32>(a1.w), b0, c7_0); c7_1 = fma(vec4<f32>(a1.w), b1, c7_1);
    c8_0 = fma(vec4<f32>(a2.x), b0, c8_0); c8_1 = fma(vec4<f32>(a2.x), b1, c8_1);
    c9_0 = fma(vec4<f32>(a2.y), b0, c9_0); c9_1 = fma(vec4<f32>(a2.y), b1, c9_1);
    c10_0 = fma(vec4<f32>(a2.z), b0, c10_0); c10_1 = fma(vec4<f32>(a2.z), b1, c10_1);
    c11_0 = fma(vec4<f32>(a2.w), b0, c11_0); c11_1 = fma(vec4<f32>(a2.w), b1, c11_1);
    c12_0 = fma(vec4<f32>(a3.x), b0, c12_0); c12_1 = fma(vec4<f32>(a3.x), b1, c12_1);
    c13_0 = fma(vec4<f32>(a3.y), b0, c13_0); c13_1 = fma(vec4<f32>(a3.y), b1, c13_1);
    c14_0 = fma(vec4<f32>(a3.z), b0, c14_0); c14_1 = fma(vec4<f32>(a3.z), b1, c14_1);
    c15_0 = fma(vec4<f32>(a3.w), b0, c15_0); c15_1 = fma(vec4<f32>(a3.w), b1, c15_1);
    ao += M4;
    bo += N4;
  }
  store(row0 + 0u, col0, c0_0, c0_1);
  store(row0 + 1u, col0, c1_0, c1_1);
  store(row0 + 2u, col0, c2_0, c2_1);
  store(row0 + 3u, col0, c3_0, c3_1);
  store(row0 + 4u, col0, c4_0, c4_1);
  store(row0 + 5u, col0, c5_0, c5_1);
  store(row0 + 6u, col0, c6_0, c6_1);
  store(row0 + 7u, col0, c7_0, c7_1);
  store(row0 + 8u, col0, c8_0, c8_1);
  store(row0 + 9u, col0, c9_0, c9_1);
  store(row0 + 10u, col0, c10_0, c10_1);
  store(row0 + 11u, col0, c11_0, c11_1);
  store(row0 + 12u, col0, c12_0, c12_1);
  store(row0 + 13u, col0, c13_0, c13_1);
  store(row0 + 14u, col0, c14_0, c14_1);
  store(row0 + 15u, col0, c15_0, c15_1);
}

/** Writes one 8-wide row segment of the tile, dropping rows/columns past the edge. */
fn store(row: u32, col0: u32, lo: vec4<f32>, hi: vec4<f32>) {
  if (row >= dims.M) { return; }
  let base = row * dims.N;
  for (var j = 0u; j < 4u; j++) {
    if (col0 + j < dims.N) { c[base + col0 + j] = lo[j]; }
    if (col0 + 4u + j < dims.N) { c[base + col0 + 4u + j] = hi[j]; }
  }
}
