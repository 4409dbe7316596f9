// WebGPU in Node through Dawn (the `webgpu` npm package), for kernel tests, benches and
// the headless trainer. Needs the environment from scripts/gpu-env.mjs (SwiftShader ICD).
import { setPriority } from 'node:os';
import { acquireDevice, type AcquiredDevice } from './device';

let cached: Promise<AcquiredDevice> | undefined;

/**
 * Limits Chromium grants on the same adapter where Dawn in Node grants more (Node's SwiftShader
 * adapter says 12 storage buffers per stage, Chromium's 10). Kernels are tested under the
 * browser's limits, so a pipeline that only Node could build fails here first.
 */
export const BROWSER_CAPS = { maxStorageBuffersPerShaderStage: 10 };
/** The Dawn instance must stay reachable: if GC collects it, the live device crashes the process. */
let instance: GPU | undefined;

/** The process's Dawn `GPU` object (navigator.gpu's stand-in), e.g. for a peer library on the same adapter. */
export async function nodeGpu(): Promise<GPU> {
  await nodeDevice();
  return instance as GPU;
}

/** One shared Dawn device per process. */
export function nodeDevice(): Promise<AcquiredDevice> {
  cached ??= (async () => {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    instance = create([]) as unknown as GPU;
    const acquired = await acquireDevice(instance, 'lantern-node', BROWSER_CAPS);
    // Dawn spins the JS thread while waiting on the queue; lower its priority so
    // SwiftShader's worker threads keep the cores (see ENVIRONMENT.md).
    try {
      setPriority(0, 19);
    } catch {
      // Not permitted on every OS; only speed is affected.
    }
    return acquired;
  })();
  return cached;
}
