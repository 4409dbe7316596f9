// LM runtime bench in Node: the shared bodies (./bodies/lm.ts) on WASM, and on WebGPU too when Dawn
// gives Node an adapter (onnxruntime-web's WebGPU EP fails there today; ./chromium.ts measures it).
import { useNodeWasm } from '../../src/lm/testing';
import { benchLmBackend, benchModel, benchSpec } from './bodies/lm';
import type { BenchSuite } from './types';

/** Gives onnxruntime-web a `navigator.gpu` from Dawn when the WebGPU-in-Node environment is set. */
async function nodeWebGpu(log: (s: string) => void): Promise<boolean> {
  if (!process.env.VK_ICD_FILENAMES) {
    log('webgpu: skipped (run through `npm run bench` for the Dawn environment)');
    return false;
  }
  try {
    const { nodeGpu } = await import('../../src/gpu/nodeDevice');
    const gpu = await nodeGpu();
    if (typeof navigator === 'undefined') Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    return true;
  } catch (e) {
    log(`webgpu: skipped (${(e as Error).message})`);
    return false;
  }
}

export const suite: BenchSuite = {
  name: 'lm',
  async run(opts) {
    useNodeWasm();
    const spec = benchSpec(opts.quick);
    const model = benchModel(spec);
    await benchLmBackend('wasm', model, spec, opts);
    if (await nodeWebGpu(opts.log)) {
      try {
        await benchLmBackend('webgpu', model, spec, opts);
      } catch (e) {
        opts.log(`webgpu: skipped (${(e as Error).message})`);
      }
    }
  },
};
