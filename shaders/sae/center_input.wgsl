// center_input: scales a batch into the SAE's normalised space and subtracts the decoder
// bias (SAELens apply_b_dec_to_input):  xs = x · scale (in place),  x_in = xs − b_dec.
// Reference: src/sae/reference/center_input.ts
//
// One invocation per element. `scale` is the activation-normalisation factor
// (1 without normalisation, √dIn / E‖x‖ with expected_average_only_in).
//
// Bindings: x [nTok*dIn] (read_write, becomes xs), b_dec [dIn], x_in [nTok*dIn] (out),
// dims {nTok, dIn, scale}.

struct Dims { nTok: u32, dIn: u32, scale: f32, _pad: u32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> b_dec: array<f32>;
@group(0) @binding(2) var<storage, read_write> x_in: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= dims.nTok * dims.dIn) { return; }
  let xs = x[idx] * dims.scale;
  x[idx] = xs;
  x_in[idx] = xs - b_dec[idx % dims.dIn];
}
