// Shared SAE types: architecture names and the SAELens weight layout used in memory,
// by the trainer's export/import, by file formats and by the feature/steering pages.

export const ARCHITECTURES = ['relu', 'topk', 'batchtopk', 'jumprelu'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** Weights in the SAELens layout, row-major f32. */
export interface SaeWeights {
  dIn: number;
  dSae: number;
  /** [dIn, dSae] */ W_enc: Float32Array;
  /** [dSae, dIn] */ W_dec: Float32Array;
  /** [dSae] */ b_enc: Float32Array;
  /** [dIn] */ b_dec: Float32Array;
  /** [dSae] JumpReLU / BatchTopK-at-inference thresholds. */ threshold?: Float32Array;
}
