// matmul kernels (scalar and vec4) vs their CPU reference on odd shapes and all three layouts (real
// WebGPU via Dawn in Node); every layout runs shapes of both variants, edge tiles included.
import { describe, expect, it } from 'vitest';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { matmulReference } from '../reference/matmul';
import { matmul, matmulVariant, type MatmulLayout } from './matmul';

describe('matmul', () => {
  for (const layout of ['nn', 'nt', 'tn'] as MatmulLayout[]) {
    const shapes = [
      [1, 1, 1],
      [37, 48, 64],
      [64, 48, 37],
      [5, 131, 17],
      [70, 9, 130],
      [20, 12, 8],
      [36, 4, 44],
      [132, 20, 4],
    ];
    it(`${layout} covers both kernel variants`, () => {
      expect(new Set(shapes.map(([M, N, K]) => matmulVariant(M, N, K, layout)))).toEqual(new Set(['vec4', 'scalar']));
    });
    for (const [M, N, K] of shapes) {
      it(`${layout} (${matmulVariant(M, N, K, layout)}) matches reference on M=${M} N=${N} K=${K}`, async () => {
        const { device } = await nodeDevice();
        const a = randomArray(M * K, 1 + M);
        const b = randomArray(K * N, 2 + N);
        expectClose(await matmul(device, a, b, M, N, K, layout), matmulReference(a, b, M, N, K, layout), { atol: 1e-5, rtol: 1e-4 });
      });
    }
  }
});
