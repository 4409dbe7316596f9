// CPU reference for shaders/common/accumulate.wgsl: elementwise f32 sum.

/** acc + add, rounded to f32 per element. */
export function accumulateReference(acc: Float32Array, add: Float32Array): Float32Array {
  return acc.map((v, i) => v + add[i]);
}
