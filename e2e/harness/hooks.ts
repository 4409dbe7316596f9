// The LM runtime in a bare page, for e2e specs that check every hook point at once: opens a hooked
// session with the app's own modules (surgery, LmSession, steering, the app's ORT setup) and returns
// each forward pass's logits and hook outputs as plain arrays that cross to Playwright.
import { encoderRule } from '@/features/encoder';
import { summarizeConfig } from '@/lm/config';
import { openModel } from '@/lm/model';
import { configureOrtForBrowser } from '@/lm/ortBrowser';
import type { Backend } from '@/lm/session';
import { steeringFeeds, steeringPlan, steeringRank, type SteeringSetup } from '@/lm/steering';
import type { SurgeryPlan } from '@/lm/surgery';
import type { Architecture, SaeWeights } from '@/sae/types';

export interface HarnessModel {
  /** The ONNX graph, base64. */
  onnx: string;
  /** The repo's config.json. */
  config: Record<string, unknown>;
}

/** SaeWeights as plain arrays, to cross from Playwright. */
export interface HarnessSae {
  dIn: number;
  dSae: number;
  W_enc: number[];
  W_dec: number[];
  b_enc: number[];
  b_dec: number[];
  threshold?: number[];
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
  /**
   * Steers `model` at `hook` as the steering page does (`steeringPlan` with the SAE's encoder rule,
   * `steeringFeeds`) and runs one forward of `ids` (batch 1): the logits.
   */
  steer(model: HarnessModel, hook: string, setup: SteeringSetup, sae: HarnessSae, arch: Architecture, k: number | undefined, backends: Backend[], ids: number[]): Promise<{ backend: Backend; logits: number[] }>;
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
  async steer(model, hook, setup, plain, arch, k, backends, ids) {
    const onnx = Uint8Array.from(atob(model.onnx), (c) => c.charCodeAt(0));
    const weights: SaeWeights = {
      dIn: plain.dIn,
      dSae: plain.dSae,
      W_enc: Float32Array.from(plain.W_enc),
      W_dec: Float32Array.from(plain.W_dec),
      b_enc: Float32Array.from(plain.b_enc),
      b_dec: Float32Array.from(plain.b_dec),
      threshold: plain.threshold && Float32Array.from(plain.threshold),
    };
    const rule = encoderRule(arch, weights, k);
    const plan = steeringPlan(hook, setup, rule);
    const { session, surgery } = await openModel({ onnx, externalData: [], summary: summarizeConfig(model.config) }, plan, { backends }, steeringRank(plan, { weights, rule }));
    try {
      const out = await session.forward({ inputIds: ids, batch: 1, extra: steeringFeeds(session, surgery, hook, setup, { weights, rule }) });
      return { backend: session.backend, logits: Array.from(out.logits.data as Float32Array) };
    } finally {
      await session.release();
    }
  },
};
