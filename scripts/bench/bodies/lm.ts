// LM runtime bench bodies, the same in Node and in a browser page: extraction tokens/s of a hooked
// graph (one exposed hook) and of a graph pruned to a middle hook, each against the unmodified graph
// on the same backend (ratio = time ÷ unmodified time), and generation tokens/s with the KV cache,
// plain and steered. The caller picks the backend and sets up onnxruntime-web for its environment.
import { buildOnnxFixture } from '../../../src/lm/fixtures/onnxModel';
import { gpt2Spec, makeWeights, type FixtureSpec } from '../../../src/lm/fixtures/spec';
import { generateAll } from '../../../src/lm/generate';
import { LmSession, ort, type Backend } from '../../../src/lm/session';
import { hookModel, inspectModel } from '../../../src/lm/surgery';
import type { BenchOptions } from '../types';

/** Wider and deeper than the test fixtures so per-op overheads do not dominate. */
export function benchSpec(quick: boolean): FixtureSpec {
  const tiny = gpt2Spec(7);
  return quick ? tiny : { ...tiny, dModel: 256, nHeads: 8, nKvHeads: 8, dMlp: 1024, nLayers: 4 };
}

export async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median seconds of each function, timed round-robin so load from other processes hits all alike. */
export async function interleaved(fns: (() => Promise<unknown>)[], reps: number): Promise<number[]> {
  for (const f of fns) await f();
  const times: number[][] = fns.map(() => []);
  for (let i = 0; i < reps; i++) for (let k = 0; k < fns.length; k++) times[k].push(await seconds(fns[k]));
  return times.map(median);
}

/** The bench model's graph: the spec's weights from its seed, unhooked. */
export function benchModel(spec: FixtureSpec): Uint8Array {
  return buildOnnxFixture(spec, makeWeights(spec)).model;
}

/**
 * Extraction (hooked and pruned vs unmodified) and generation (plain and steered) on one backend;
 * rows carry `adapter`, e.g. the backend name, or where it ran as well.
 */
export async function benchLmBackend(backend: Backend, model: Uint8Array, spec: FixtureSpec, opts: BenchOptions, adapter: string = backend) {
  const hook = `blocks.${spec.nLayers - 1}.hook_resid_mid`;
  const early = `blocks.${spec.nLayers >> 1}.hook_resid_pre`;
  const plain = await LmSession.create(model, inspectModel(model).signature, { backends: [backend] });
  const exposed = hookModel(model, { expose: [hook] });
  const hooked = await LmSession.create(exposed.bytes, exposed.signature, { backends: [backend] });
  const cut = hookModel(model, { expose: [early], pruneToHooks: true });
  const pruned = await LmSession.create(cut.bytes, cut.signature, { backends: [backend] });
  if (plain.backend !== backend || hooked.backend !== backend) throw new Error(`${backend} session fell back`);
  // 1. Extraction: batch × ctx tokens per forward, alternating the two sessions so drift hits both.
  const batch = opts.quick ? 4 : 8;
  const ctx = opts.quick ? 32 : 64;
  const ids = Array.from({ length: batch * ctx }, (_, i) => (i * 31 + 7) % 256);
  const reps = opts.quick ? 3 : backend === 'webgpu' ? 5 : 15;
  const run = (s: LmSession) => () => s.forward({ inputIds: ids, batch });
  const [tPlain, tHooked, tPruned] = await interleaved([run(plain), run(hooked), run(pruned)], reps);
  const tokens = batch * ctx;
  const shape = `d=${spec.dModel} L=${spec.nLayers} batch=${batch}×${ctx}`;
  opts.emit({
    bench: 'extract',
    metric: 'hook_overhead',
    value: tokens / tHooked,
    unit: 'tok/s',
    peer: 'unmodified',
    peerValue: tokens / tPlain,
    ratio: tHooked / tPlain,
    adapter,
    note: `median of ${reps}; ${shape}, exposing ${hook}`,
  });
  opts.emit({
    bench: 'extract',
    metric: 'pruned_ratio',
    value: tokens / tPruned,
    unit: 'tok/s',
    peer: 'unmodified',
    peerValue: tokens / tPlain,
    ratio: tPruned / tPlain,
    adapter,
    note: `median of ${reps}; ${shape}, graph pruned to ${early}`,
  });
  await pruned.release();
  await hooked.release();
  // 2. Generation: greedy, KV cache, then the same with a steer input at the last residual.
  const steerHook = `blocks.${spec.nLayers - 1}.hook_resid_post`;
  const steered = hookModel(model, { steer: [steerHook] });
  const steerSession = await LmSession.create(steered.bytes, steered.signature, { backends: [backend] });
  const prompt = [276, 104, 101, 108, 108, 111, 32, 116];
  const n = opts.quick ? 16 : backend === 'webgpu' ? 16 : 32;
  const feeds = { [`steer.${steerHook}`]: new ort.Tensor('float32', new Float32Array(spec.dModel).fill(0.5), [spec.dModel]) };
  // Single generations scatter widely on WASM (JIT and thread warm-up): a median of several.
  const genReps = opts.quick ? 1 : backend === 'webgpu' ? 3 : 9;
  const [gPlain, gSteer] = await interleaved(
    [() => generateAll(plain, prompt, { maxNewTokens: n }), () => generateAll(steerSession, prompt, { maxNewTokens: n, feeds })],
    genReps,
  );
  const note = `median of ${genReps}; greedy, ${prompt.length}-token prompt, ${n} new tokens, d=${spec.dModel} L=${spec.nLayers}`;
  opts.emit({ bench: 'generate', metric: 'tokens_per_s', value: n / gPlain, unit: 'tok/s', adapter, note });
  opts.emit({
    bench: 'generate',
    metric: 'tokens_per_s',
    value: n / gSteer,
    unit: 'tok/s',
    peer: 'unsteered',
    peerValue: n / gPlain,
    ratio: gSteer / gPlain,
    adapter,
    note: `steered at ${steerHook}; ${note}`,
  });
  await steerSession.release();
  await plain.release();
}
