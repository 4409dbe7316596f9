// TF.js on WebGPU in Node for the benchmark peer: Dawn's GPU object (the one our kernels use)
// installed as `navigator.gpu`, then tfjs-core with its WebGPU backend and gradients.
import { createRequire } from 'node:module';
import { nodeGpu } from '../../../src/gpu/nodeDevice';
import { tfjsPeer, type TfjsPeer } from './tfjsSae';

/**
 * tfjs-backend-webgpu registers its backend at import time only if `navigator.gpu` exists, so the
 * Dawn GPU object is installed as `navigator.gpu` before importing it.
 */
export async function createTfjsPeer(): Promise<TfjsPeer> {
  const gpu = await nodeGpu();
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  // tfjs-core's Node bundle ships no gradients (the @tensorflow/tfjs union package registers them).
  // Its ESM `register_all_gradients` is loaded by path so Vite transforms it instead of handing it to
  // Node as CommonJS; it registers into tfjs' global gradient registry, shared with the bundle.
  const gradients = createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await import(/* @vite-ignore */ gradients);
  return tfjsPeer(tf);
}
