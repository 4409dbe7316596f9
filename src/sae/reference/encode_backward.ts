// CPU reference for shaders/sae/encode_backward.wgsl: gradient through the activation and the
// per-latent sums (b_enc gradient, JumpReLU threshold gradient, Σ acts, fires).

/** 0: ReLU + L1, 1: TopK / BatchTopK, 2: JumpReLU. */
export type BackwardArch = 0 | 1 | 2;

export interface EncodeBackwardInput {
  /** [nTok, dSae] hidden_pre */ pre: Float32Array;
  /** [rows, dSae] acts (rows = 2·nTok with aux: AuxK acts second) */ acts: Float32Array;
  /** [rows, dSae] ∂L/∂acts (AuxK gradient second) */ dActs: Float32Array;
  /** [dSae] decoder row norms */ norms: Float32Array;
  /** [dSae] */ logThreshold: Float32Array;
  nTok: number;
  dSae: number;
  arch: BackwardArch;
  aux: boolean;
  sparsityCoef: number;
  bandwidth: number;
}

export function encodeBackwardReference(o: EncodeBackwardInput) {
  const { nTok, dSae } = o;
  const dPre = new Float32Array(nTok * dSae);
  const gBEnc = new Float32Array(dSae);
  const gLogThreshold = new Float32Array(dSae);
  const feat = new Float32Array(2 * dSae);
  const aux0 = nTok * dSae;
  for (let j = 0; j < dSae; j++) {
    const l1Grad = o.arch === 0 ? (o.sparsityCoef * o.norms[j]) / nTok : 0;
    const theta = o.arch === 2 ? Math.fround(Math.exp(o.logThreshold[j])) : 0;
    let gb = 0;
    let gt = 0;
    let sumActs = 0;
    let fires = 0;
    for (let n = 0; n < nTok; n++) {
      const idx = n * dSae + j;
      const a = o.acts[idx];
      const g = o.dActs[idx];
      let dp: number;
      if (o.arch === 0) {
        dp = o.pre[idx] > 0 ? g + l1Grad : 0;
      } else if (o.arch === 1) {
        dp = a > 0 ? g : 0;
        if (o.aux && o.acts[aux0 + idx] !== 0) dp += o.dActs[aux0 + idx];
      } else {
        const h = o.pre[idx];
        dp = h > theta ? g : 0;
        const u = (h - theta) / o.bandwidth;
        if (Math.abs(u) < 0.5) gt += -(theta / o.bandwidth) * g - o.sparsityCoef / nTok / o.bandwidth;
      }
      dPre[idx] = dp;
      gb += dp;
      sumActs += a;
      if (a > 0) fires++;
    }
    gBEnc[j] = gb;
    gLogThreshold[j] = theta * gt;
    feat[j] = sumActs;
    feat[dSae + j] = fires;
  }
  return { dPre, gBEnc, gLogThreshold, feat };
}
