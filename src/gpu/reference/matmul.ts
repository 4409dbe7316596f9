// CPU reference for shaders/common/matmul.wgsl: C[M,N] = op(A)·op(B), row-major f32.
import type { MatmulLayout } from '../kernels/matmul';

/** nn: A[M,K]·B[K,N]; nt: B stored [N,K]; tn: A stored [K,M]. Accumulates in f64. */
export function matmulReference(a: Float32Array, b: Float32Array, M: number, N: number, K: number, layout: MatmulLayout = 'nn'): Float32Array {
  const c = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const aik = layout === 'tn' ? a[k * M + i] : a[i * K + k];
        const bkj = layout === 'nt' ? b[j * K + k] : b[k * N + j];
        s += aik * bkj;
      }
      c[i * N + j] = s;
    }
  }
  return c;
}
