// The bench bodies in a Chromium page (scripts/bench/chromium.ts drives it): the LM runtime, steering,
// evaluation and feature analysis on onnxruntime-web's WASM and WebGPU backends, and the SAE engine
// against the TF.js WebGPU peer on the page's adapter. Rows and log lines go back to Node through
// functions Playwright exposes.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { acquireDevice } from '@/gpu/device';
import { configureOrtForBrowser } from '@/lm/ortBrowser';
import { benchFeatureTokens, benchSimilar } from '../bodies/features';
import { benchLmBackend, benchModel, benchSpec } from '../bodies/lm';
import { benchSae } from '../bodies/sae';
import { benchScale, scaleModel, scaleSpec, type MemoryProbe } from '../bodies/scale';
import { benchEval, benchSteer } from '../bodies/steer';
import { tfjsPeer } from '../peers/tfjsSae';
import type { BenchOptions, BenchRow } from '../types';
import type { PagePart } from './parts';

export interface BenchPage {
  /** The given parts in PAGE_PARTS order: each on WASM then WebGPU where it runs a model. */
  run(quick: boolean, parts: PagePart[]): Promise<void>;
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
  async run(quick, parts) {
    const opts: BenchOptions = { quick, emit: (row) => void window.benchEmit(row), log: (line) => void window.benchLog(line) };
    const { device, report } = await acquireDevice(navigator.gpu, 'lantern-bench');
    const gpu = report.architecture || report.description || 'webgpu';
    const wasm = 'wasm (chromium)';
    const webgpu = `webgpu (chromium, ${gpu})`;
    configureOrtForBrowser();
    const spec = benchSpec(quick);
    const model = benchModel(spec);
    try {
      if (parts.includes('lm')) {
        await benchLmBackend('wasm', model, spec, opts, wasm);
        await benchLmBackend('webgpu', model, spec, opts, webgpu);
      }
      if (parts.includes('steer')) {
        await benchSteer('wasm', model, spec, opts, wasm);
        await benchSteer('webgpu', model, spec, opts, webgpu);
      }
      if (parts.includes('eval')) {
        await benchEval('wasm', model, spec, device, opts, `${wasm}; SAE on ${gpu}`);
        await benchEval('webgpu', model, spec, device, opts, webgpu);
      }
      if (parts.includes('features')) {
        await benchFeatureTokens('wasm', device, `${wasm}; SAE on ${gpu}`, opts);
        await benchFeatureTokens('webgpu', device, webgpu, opts);
        await benchSimilar(device, `${gpu} (chromium)`, report.isFallback, opts);
      }
      if (parts.includes('sae')) {
        const peer = await tfjsPeer(tf);
        try {
          await benchSae(device, report, `${gpu} (chromium)`, peer, opts);
        } finally {
          peer.dispose();
        }
      }
      if (parts.includes('scale')) {
        // GPT-2-small shapes: the LM on WASM (SAE on the page's adapter), then on WebGPU at the quick size.
        const heap = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
        const probe: MemoryProbe = { what: 'JS heap (performance.memory; WASM and GPU memory not included)', sample: () => heap?.usedJSHeapSize };
        const scale = scaleSpec(quick);
        await benchScale('wasm', scaleModel(scale), scale, device, probe, opts, `${wasm}; SAE on ${gpu}`);
        const small = scaleSpec(true);
        await benchScale('webgpu', scaleModel(small), small, device, probe, opts, webgpu);
      }
    } finally {
      device.destroy();
    }
  },
};
