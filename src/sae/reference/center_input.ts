// CPU reference for shaders/sae/center_input.wgsl: xs = x·scale, x_in = xs − b_dec.

/** x: [nTok, dIn]; b_dec: [dIn]. Returns xs and x_in, both [nTok, dIn]. */
export function centerInputReference(x: Float32Array, bDec: Float32Array, nTok: number, dIn: number, scale: number) {
  const xs = new Float32Array(nTok * dIn);
  const xIn = new Float32Array(nTok * dIn);
  for (let n = 0; n < nTok; n++) {
    for (let i = 0; i < dIn; i++) {
      const v = Math.fround(x[n * dIn + i] * scale);
      xs[n * dIn + i] = v;
      xIn[n * dIn + i] = v - bDec[i];
    }
  }
  return { xs, xIn };
}
