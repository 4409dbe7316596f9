// Steering bench in Node: steered ÷ plain generation time per method (./bodies/steer.ts) on WASM;
// ./chromium.ts measures the same on WebGPU (onnxruntime-web's WebGPU EP needs a browser).
import { useNodeWasm } from '../../src/lm/testing';
import { benchModel, benchSpec } from './bodies/lm';
import { benchSteer } from './bodies/steer';
import type { BenchSuite } from './types';

export const suite: BenchSuite = {
  name: 'steer',
  async run(opts) {
    useNodeWasm();
    const spec = benchSpec(opts.quick);
    await benchSteer('wasm', benchModel(spec), spec, opts);
  },
};
