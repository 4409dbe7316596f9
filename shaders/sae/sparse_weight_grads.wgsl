// sparse_weight_grads: the encoder and decoder weight gradients for the TopK family, where
// activations are sparse, accumulated by walking the batch instead of two dense matmuls.
// One invocation per latent j owns column j of g_W_enc and row j of g_W_dec (no races):
//   g_W_enc[:, j] = Σ_{n : dPre[n,j] ≠ 0} dPre[n,j]·x_in[n, :]            (n over the nTok main rows)
//   g_W_dec[j, :] = Σ_{r : acts[r,j] ≠ 0} acts[r,j]·d_recon[r, :]          (r over main and AuxK rows)
// It runs after encode_backward, which leaves dPre in the first nTok rows of d_acts. Its own
// kernel (not fused there) keeps each pipeline within 8 storage buffers per stage, the limit
// browsers guarantee.
// Reference: src/sae/reference/sparse_weight_grads.ts
//
// Bindings: d_pre [rows*dSae] (first nTok rows), acts [rows*dSae], x_in [nTok*dIn],
// d_recon [rows*dIn], g_W_enc [dIn*dSae] (out), g_W_dec [dSae*dIn] (out), dims {nTok, rows, dSae, dIn}.

struct Dims { nTok: u32, rows: u32, dSae: u32, dIn: u32 }

@group(0) @binding(0) var<storage, read> d_pre: array<f32>;
@group(0) @binding(1) var<storage, read> acts: array<f32>;
@group(0) @binding(2) var<storage, read> x_in: array<f32>;
@group(0) @binding(3) var<storage, read> d_recon: array<f32>;
@group(0) @binding(4) var<storage, read_write> g_W_enc: array<f32>;
@group(0) @binding(5) var<storage, read_write> g_W_dec: array<f32>;
@group(0) @binding(6) var<uniform> dims: Dims;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= dims.dSae) { return; }
  let dIn = dims.dIn;
  // 1. Overwrite last step's gradients.
  for (var i = 0u; i < dIn; i++) {
    g_W_enc[i * dims.dSae + j] = 0.0;
    g_W_dec[j * dIn + i] = 0.0;
  }
  // 2. Encoder: rows where this latent's pre-activation gradient is nonzero.
  for (var n = 0u; n < dims.nTok; n++) {
    let dp = d_pre[n * dims.dSae + j];
    if (dp != 0.0) {
      let x = n * dIn;
      for (var i = 0u; i < dIn; i++) { g_W_enc[i * dims.dSae + j] += dp * x_in[x + i]; }
    }
  }
  // 3. Decoder: rows (main and AuxK) where this latent is active.
  let w = j * dIn;
  for (var r = 0u; r < dims.rows; r++) {
    let a = acts[r * dims.dSae + j];
    if (a != 0.0) {
      let g = r * dIn;
      for (var i = 0u; i < dIn; i++) { g_W_dec[w + i] += a * d_recon[g + i]; }
    }
  }
}
