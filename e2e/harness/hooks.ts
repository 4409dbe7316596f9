// The LM runtime in a bare page, for e2e specs that check every hook point at once: opens a hooked
// session with the app's own modules (surgery, LmSession, the app's ORT setup) and returns each
// forward pass's logits and hook outputs as plain arrays that cross to Playwright.
import { summarizeConfig } from '@/lm/config';
import { openModel } from '@/lm/model';
import { configureOrtForBrowser } from '@/lm/ortBrowser';
import type { Backend } from '@/lm/session';
import type { SurgeryPlan } from '@/lm/surgery';

export interface HarnessModel {
  /** The ONNX graph, base64. */
  onnx: string;
  /** The repo's config.json. */
  config: Record<string, unknown>;
}

export interface HarnessResult {
  backend: Backend;
  /** One entry per forward: `logits` and every exposed hook, flattened row-major. */
  runs: Record<string, number[]>[];
}

export interface LmHarness {
  /** The WebGPU adapter's architecture (e.g. "swiftshader"), or "" without one. */
  adapter(): Promise<string>;
  /**
   * Opens `model` hooked per `plan` on `backends`, then runs one forward of `ids` ([batch, seq])
   * per entry of `feeds` (input name → [dModel] vector, e.g. `steer.<hook>`).
   */
  run(model: HarnessModel, plan: SurgeryPlan, backends: Backend[], ids: number[], batch: number, feeds: Record<string, number[]>[]): Promise<HarnessResult>;
}

declare global {
  interface Window {
    lmHarness: LmHarness;
  }
}

configureOrtForBrowser();

window.lmHarness = {
  async adapter() {
    const adapter = await navigator.gpu?.requestAdapter();
    return adapter?.info.architecture ?? '';
  },
  async run(model, plan, backends, ids, batch, feeds) {
    const onnx = Uint8Array.from(atob(model.onnx), (c) => c.charCodeAt(0));
    const summary = summarizeConfig(model.config);
    const { session, surgery } = await openModel({ onnx, externalData: [], summary }, plan, { backends });
    try {
      const runs: Record<string, number[]>[] = [];
      for (const feed of feeds) {
        const extra = Object.fromEntries(Object.entries(feed).map(([name, v]) => [name, session.streamTensor(Float32Array.from(v), [v.length])]));
        const out = await session.forward({ inputIds: ids, batch, extra });
        const named = [['logits', 'logits'], ...Object.entries(surgery.outputs)];
        runs.push(Object.fromEntries(named.map(([key, output]) => [key, Array.from(out[output].data as Float32Array)])));
      }
      return { backend: session.backend, runs };
    } finally {
      await session.release();
    }
  },
};
