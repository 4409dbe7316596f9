// matmul kernel vs its CPU reference on odd shapes and all three layouts (real WebGPU via Dawn in Node).
import { describe, it } from 'vitest';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { matmulReference } from '../reference/matmul';
import { matmul, type MatmulLayout } from './matmul';

describe('matmul', () => {
  for (const layout of ['nn', 'nt', 'tn'] as MatmulLayout[]) {
    for (const [M, N, K] of [
      [1, 1, 1],
      [37, 48, 64],
      [64, 48, 37],
      [5, 131, 17],
      [70, 9, 130],
    ]) {
      it(`${layout} matches reference on M=${M} N=${N} K=${K}`, async () => {
        const { device } = await nodeDevice();
        const a = randomArray(M * K, 1 + M);
        const b = randomArray(K * N, 2 + N);
        expectClose(await matmul(device, a, b, M, N, K, layout), matmulReference(a, b, M, N, K, layout), { atol: 1e-5, rtol: 1e-4 });
      });
    }
  }
});
