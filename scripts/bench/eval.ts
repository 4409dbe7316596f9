// Evaluation bench in Node: tokens/s of the eval job's batch (./bodies/steer.ts) with the model on
// WASM and the SAE encoder on Dawn when Node has an adapter (else the CPU reference, as the job does);
// ./chromium.ts measures it with the model on WebGPU too.
import { nodeDevice } from '../../src/gpu/nodeDevice';
import { useNodeWasm } from '../../src/lm/testing';
import { benchModel, benchSpec } from './bodies/lm';
import { benchEval } from './bodies/steer';
import type { BenchSuite } from './types';

export const suite: BenchSuite = {
  name: 'eval',
  async run(opts) {
    useNodeWasm();
    const spec = benchSpec(opts.quick);
    const acquired = await nodeDevice().catch((e: Error) => {
      opts.log(`no WebGPU adapter in Node (${e.message}): the encoder runs on the CPU reference`);
      return undefined;
    });
    const gpu = acquired ? acquired.report.architecture || acquired.report.description || 'webgpu' : 'cpu';
    // The process's one shared Dawn device: other suites use it after this one.
    await benchEval('wasm', benchModel(spec), spec, acquired?.device, opts, `wasm+${gpu}`);
  },
};
