// CPU reference for shaders/sae/feature_stats.wgsl: firing counters and dead/dense counts.

/** Updates sinceFired and fireCount in place from feat (fires at dSae + j). */
export function featureUpdateReference(feat: Float32Array, sinceFired: Uint32Array, fireCount: Uint32Array, nTok: number, dSae: number): void {
  for (let j = 0; j < dSae; j++) {
    const fires = feat[dSae + j];
    sinceFired[j] = fires > 0 ? 0 : Math.min(sinceFired[j], 0x7fffffff - nTok) + nTok;
    fireCount[j] += fires;
  }
}

/** dead = #{since_fired ≥ window}; dense = #{fires / nTok > denseFrac}. */
export function featureCountReference(feat: Float32Array, sinceFired: Uint32Array, nTok: number, dSae: number, window: number, denseFrac: number) {
  let dead = 0;
  let dense = 0;
  const limit = Math.fround(denseFrac) * nTok;
  for (let j = 0; j < dSae; j++) {
    if (sinceFired[j] >= window) dead++;
    if (feat[dSae + j] > limit) dense++;
  }
  return { dead, dense };
}
