// The per-step uniform shared by the Adam, loss, backward and decoder kernels (struct Step in WGSL).

export interface StepParams {
  lr: number;
  /** 1 − β1^t */ bc1: number;
  /** √(1 − β2^t) */ sqrtBc2: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** L1 (ReLU) or L0 (JumpReLU) coefficient after warm-up. */
  sparsityCoef: number;
  auxCoef: number;
}

export const STEP_PARAMS_BYTES = 32;

export function stepParamsWords(p: StepParams): Float32Array {
  return new Float32Array([p.lr, p.bc1, p.sqrtBc2, p.beta1, p.beta2, p.eps, p.sparsityCoef, p.auxCoef]);
}
