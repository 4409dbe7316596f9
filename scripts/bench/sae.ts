// SAE engine bench in Node: the shared bodies (./bodies/sae.ts) on the Dawn adapter, against the
// TF.js WebGPU peer on the same adapter.
import { nodeDevice, nodeGpu } from '../../src/gpu/nodeDevice';
import { benchSae } from './bodies/sae';
import { createTfjsPeer } from './peers/tfjsNode';
import type { BenchOptions, BenchSuite } from './types';

async function run(opts: BenchOptions): Promise<void> {
  const { device, report } = await nodeDevice();
  const peer = await createTfjsPeer();
  try {
    await benchSae(device, report, report.architecture || report.description || 'webgpu', peer, opts);
  } finally {
    peer.dispose();
  }
  // The peer shares the Dawn instance; keep it referenced until the suite ends.
  await nodeGpu();
}

export const suite: BenchSuite = { name: 'sae', run };
