// Feature analysis bench bodies, the same in Node and in a browser page: tokens/s of the analysis
// passes (hooked model + SAE encoder and accumulator) against extraction alone on the same model, hook
// and tokens, and the seconds for all-pairs decoder-cosine neighbours at d_sae 24,576, d_in 768
// through the analysis's own GPU row product and neighbour selection.
import { Analyzer, type AnalyzerSource } from '../../../src/features/analyzer';
import { unitRows } from '../../../src/features/effects';
import { encoderRule } from '../../../src/features/encoder';
import { gpuEncoder, gpuNeighbours } from '../../../src/features/gpu';
import { DEFAULT_ANALYSIS_OPTIONS, NEIGHBOURS } from '../../../src/features/types';
import { LATENTS_PER_BLOCK } from '../../../src/jobs/kinds/analyze';
import { tensorToFloat32 } from '../../../src/lm/extract';
import { LmSession, type Backend } from '../../../src/lm/session';
import { hookModel } from '../../../src/lm/surgery';
import type { BenchOptions } from '../types';
import { benchModel, benchSpec, median, seconds } from './lm';
import { randomArray, randomSae } from './random';

/** Contexts of a fixed token pattern, `contextSize` tokens each. */
function tokenSource(contexts: number, contextSize: number): AnalyzerSource {
  return {
    numSequences: contexts,
    contextSize,
    async read(start, count) {
      return { tokens: Int32Array.from({ length: count * contextSize }, (_, i) => ((start * contextSize + i) * 31 + 7) % 256) };
    },
  };
}

/**
 * Analysis (both passes) vs extraction alone: same session, hook, contexts and batch; the model on
 * `backend`, the SAE encoder and accumulator on `device`. `adapter` names where it ran.
 */
export async function benchFeatureTokens(backend: Backend, device: GPUDevice, adapter: string, opts: BenchOptions): Promise<void> {
  const spec = benchSpec(opts.quick);
  const hook = `blocks.${spec.nLayers - 1}.hook_resid_mid`;
  const hooked = hookModel(benchModel(spec), { expose: [hook] });
  const session = await LmSession.create(hooked.bytes, hooked.signature, { backends: [backend] });
  if (session.backend !== backend) throw new Error(`${backend} session fell back to ${session.backend}`);
  const contextSize = opts.quick ? 32 : 64;
  const contexts = opts.quick || backend === 'webgpu' ? 8 : 32;
  const batchContexts = 4;
  const source = tokenSource(contexts, contextSize);
  const weights = randomSae(spec.dModel, 16 * spec.dModel, 11);
  const k = 32;
  const encoder = gpuEncoder(device, weights, encoderRule('topk', weights, k));
  const config = { hook, contexts, batchContexts, options: DEFAULT_ANALYSIS_OPTIONS };
  try {
    const extract = async () => {
      for (let c = 0; c < contexts; c += batchContexts) {
        const count = Math.min(batchContexts, contexts - c);
        const out = await session.forward({ inputIds: (await source.read(c, count)).tokens, batch: count });
        tensorToFloat32(out[hook]);
      }
    };
    const analyse = async () => {
      const analyzer = new Analyzer(session, source, encoder, config);
      while (!analyzer.done) await analyzer.step();
    };
    // Warm-up (kernel compilation, first buffer touches), then both timed alternately.
    await extract();
    await analyse();
    const reps = opts.quick ? 3 : 5;
    const tExtract: number[] = [];
    const tAnalyse: number[] = [];
    for (let r = 0; r < reps; r++) {
      tExtract.push(await seconds(extract));
      tAnalyse.push(await seconds(analyse));
    }
    const tokens = contexts * contextSize;
    const ours = tokens / median(tAnalyse);
    const theirs = tokens / median(tExtract);
    opts.emit({
      bench: 'features',
      metric: 'tokens_per_s',
      value: ours,
      unit: 'tok/s',
      peer: 'extraction',
      peerValue: theirs,
      ratio: ours / theirs,
      adapter,
      note: `statistics and sample passes over ${tokens} tokens at ${hook}, d_model ${spec.dModel}, TopK k=${k} d_sae ${weights.dSae}; extraction = one forward pass reading the hook`,
    });
  } finally {
    encoder.release();
    await session.release();
  }
}

/**
 * All-pairs neighbours at d_sae 24,576, d_in 768 through the analysis's own search: per block of
 * latents the cosines on the GPU (matmul, then row_top per column shard) and the merged top 10. On a CPU
 * emulator (Dawn's or Chromium's SwiftShader) a leading share of the rows is timed (against all 24,576 columns) and scaled linearly.
 */
export async function benchSimilar(device: GPUDevice, adapter: string, slow: boolean, opts: BenchOptions): Promise<void> {
  const dIn = 768;
  const dSae = 24_576;
  const unitDec = unitRows(randomArray(dSae * dIn, 21), dSae, dIn);
  const search = gpuNeighbours(device, unitDec, dSae, dIn);
  const rows = slow ? (opts.quick ? 2 : 8) * LATENTS_PER_BLOCK : dSae;
  const pass = async (upTo: number) => {
    for (let from = 0; from < upTo; from += LATENTS_PER_BLOCK) {
      const found = await search.neighbours(from, Math.min(upTo, from + LATENTS_PER_BLOCK));
      const short = found.findIndex((n) => n.length !== NEIGHBOURS);
      if (short >= 0) throw new Error(`latent ${from + short} got ${found[short].length} neighbours, expected ${NEIGHBOURS}`);
    }
  };
  try {
    await pass(LATENTS_PER_BLOCK);
    const measured = await seconds(() => pass(rows));
    const scaled = rows < dSae ? `; ${rows} of ${dSae} rows timed on ${adapter} and scaled linearly` : '';
    opts.emit({
      bench: 'features',
      metric: 'similar_s',
      value: (measured * dSae) / rows,
      unit: 's',
      adapter,
      note: `all-pairs decoder cosine + top ${NEIGHBOURS} neighbours, d_sae ${dSae} d_in ${dIn}, blocks of ${LATENTS_PER_BLOCK} latents${scaled}`,
    });
  } finally {
    search.release();
  }
}
