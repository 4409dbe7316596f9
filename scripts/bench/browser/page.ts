// The bench bodies in a Chromium page (scripts/bench/chromium.ts drives it): the LM runtime on
// onnxruntime-web's WASM and WebGPU backends, and the SAE engine against the TF.js WebGPU peer on
// the page's adapter. Rows and log lines go back to Node through functions Playwright exposes.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { acquireDevice } from '@/gpu/device';
import { configureOrtForBrowser } from '@/lm/ortBrowser';
import { benchLmBackend, benchModel, benchSpec } from '../bodies/lm';
import { benchSae } from '../bodies/sae';
import { benchScale, scaleModel, scaleSpec, type MemoryProbe } from '../bodies/scale';
import { tfjsPeer } from '../peers/tfjsSae';
import type { BenchOptions, BenchRow } from '../types';

export interface BenchPage {
  /** The LM rows on WASM then WebGPU, then the SAE rows, then the GPT-2-small-scale rows. */
  run(quick: boolean): Promise<void>;
}

declare global {
  interface Window {
    benchPage: BenchPage;
    /** Exposed by the driver. */
    benchEmit(row: BenchRow): Promise<void>;
    benchLog(line: string): Promise<void>;
  }
}

window.benchPage = {
  async run(quick) {
    const opts: BenchOptions = { quick, emit: (row) => void window.benchEmit(row), log: (line) => void window.benchLog(line) };
    const { device, report } = await acquireDevice(navigator.gpu, 'lantern-bench');
    const gpu = report.architecture || report.description || 'webgpu';
    configureOrtForBrowser();
    const spec = benchSpec(quick);
    const model = benchModel(spec);
    await benchLmBackend('wasm', model, spec, opts, 'wasm (chromium)');
    await benchLmBackend('webgpu', model, spec, opts, `webgpu (chromium, ${gpu})`);
    const peer = await tfjsPeer(tf);
    try {
      await benchSae(device, report, `${gpu} (chromium)`, peer, opts);
      // GPT-2-small shapes: the LM on WASM (SAE on the page's adapter), then on WebGPU at the quick size.
      const heap = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
      const probe: MemoryProbe = { what: 'JS heap (performance.memory; WASM and GPU memory not included)', sample: () => heap?.usedJSHeapSize };
      const scale = scaleSpec(quick);
      await benchScale('wasm', scaleModel(scale), scale, device, probe, opts, `wasm (chromium); SAE on ${gpu}`);
      const small = scaleSpec(true);
      await benchScale('webgpu', scaleModel(small), small, device, probe, opts, `webgpu (chromium, ${gpu})`);
    } finally {
      peer.dispose();
      device.destroy();
    }
  },
};
