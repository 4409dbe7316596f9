// Feature analysis bench in Node (./bodies/features.ts): the hooked model on WASM with the SAE encoder
// and accumulator on Dawn, and all-pairs neighbours at d_sae 24,576 on Dawn; ./chromium.ts runs the
// same bodies on Chromium's adapter, the model on WASM and on WebGPU.
import { nodeDevice } from '../../src/gpu/nodeDevice';
import { useNodeWasm } from '../../src/lm/testing';
import { benchFeatureTokens, benchSimilar } from './bodies/features';
import type { BenchOptions, BenchSuite } from './types';

async function run(opts: BenchOptions): Promise<void> {
  useNodeWasm();
  const { device, report } = await nodeDevice();
  const adapter = report.architecture || report.description || 'webgpu';
  await benchFeatureTokens('wasm', device, `wasm+${adapter}`, opts);
  await benchSimilar(device, adapter, report.isFallback, opts);
}

export const suite: BenchSuite = { name: 'features', run };
