// Real-scale bench in Node: the GPT-2-small-shaped model (./bodies/scale.ts) on onnxruntime-web's
// WASM backend, with live training of the 24,576-latent SAE on the Dawn adapter when `npm run
// bench` provides one; peak memory is the process's resident set. The Chromium suite runs the same
// body in a page (WASM, and WebGPU at the quick size).
import { useNodeWasm } from '../../src/lm/testing';
import { benchScale, scaleModel, scaleSpec, type MemoryProbe } from './bodies/scale';
import type { BenchSuite } from './types';

async function nodeSaeDevice(log: (s: string) => void): Promise<{ device: GPUDevice; name: string } | undefined> {
  if (!process.env.VK_ICD_FILENAMES) {
    log('scale/train: no WebGPU (run through `npm run bench` for the Dawn environment)');
    return undefined;
  }
  const { nodeDevice } = await import('../../src/gpu/nodeDevice');
  const { device, report } = await nodeDevice();
  return { device, name: report.architecture || report.description || 'webgpu' };
}

export const suite: BenchSuite = {
  name: 'scale',
  async run(opts) {
    useNodeWasm();
    const spec = scaleSpec(opts.quick);
    const model = scaleModel(spec);
    const gpu = await nodeSaeDevice(opts.log);
    const probe: MemoryProbe = { what: 'process RSS', sample: () => process.memoryUsage().rss };
    try {
      await benchScale('wasm', model, spec, gpu?.device, probe, opts, gpu ? `wasm; SAE on ${gpu.name}` : 'wasm');
    } finally {
      gpu?.device.destroy();
    }
  },
};
