// Vite config for the studio, its workers, and the Node test/bench runners.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import solid from 'vite-plugin-solid';
import { VitePWA } from 'vite-plugin-pwa';
import { pwaOptions } from './src/pwa/config.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Cross-origin isolation: onnxruntime-web's WASM threads need SharedArrayBuffer. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const alias = { '@shaders': `${root}shaders`, '@': `${root}src` };

export default defineConfig({
  // Solid only compiles the app; unit and kernel tests are plain TypeScript in Node.
  plugins: process.env.VITEST ? [] : [solid(), VitePWA(pwaOptions)],
  resolve: { alias },
  worker: { format: 'es' },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          environment: 'node',
          include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['src/gpu/kernels/**', 'src/**/*.gpu.test.ts'],
          setupFiles: ['scripts/vitest-setup.ts'],
          testTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'gpu',
          environment: 'node',
          include: ['src/gpu/kernels/**/*.test.ts', 'src/**/*.gpu.test.ts'],
          // One Dawn device at a time: SwiftShader already uses every core.
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
