// Trains an SAE on the synthetic superposition source in Node (Dawn/WebGPU) and prints metrics and
// feature recovery: node scripts/with-gpu.mjs node scripts/run.mjs scripts/train-synthetic.ts -- --arch topk
import { nodeDevice } from '../src/gpu/nodeDevice';
import '../src/sae/architectures';
import type { SaeConfigInput } from '../src/sae/config';
import { createSyntheticSource, recovery } from '../src/sae/synthetic';
import { createSaeTrainer } from '../src/sae/trainer';
import { ARCHITECTURES, type Architecture } from '../src/sae/types';

const USAGE = `usage: train-synthetic [--arch topk|relu|batchtopk|jumprelu] [--steps 2000] [--d-in 64] [--d-sae 512]
  [--k 8] [--batch 1024] [--lr 3e-3] [--decay constant|linear|cosine] [--warmup 0] [--l1 coefficient]
  [--l1-warmup 0] [--dead-window tokens] [--unit-norm true|false] [--features 512] [--sparsity 4] [--seed 0] [--every 100]`;

function parse(args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"\n${USAGE}`);
    const [key, inline] = a.slice(2).split('=', 2);
    const value = inline ?? args[++i];
    if (value === undefined) throw new Error(`--${key} needs a value\n${USAGE}`);
    out.set(key, value);
  }
  return out;
}

export async function main(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const opts = parse(args);
  const num = (key: string, fallback: number) => {
    const v = opts.has(key) ? Number(opts.get(key)) : fallback;
    if (!Number.isFinite(v)) throw new Error(`--${key} must be a number, got "${opts.get(key)}"`);
    return v;
  };
  const arch = (opts.get('arch') ?? 'topk') as Architecture;
  if (!ARCHITECTURES.includes(arch)) throw new Error(`--arch must be one of ${ARCHITECTURES.join(', ')}`);
  const dIn = num('d-in', 64);
  const steps = num('steps', 2000);
  const every = num('every', 100);
  const nFeatures = num('features', 512);
  const seed = num('seed', 0);
  const config: SaeConfigInput = {
    arch,
    dIn,
    dSae: num('d-sae', 512),
    batchSize: num('batch', 1024),
    k: num('k', 8),
    lr: num('lr', 3e-3),
    lrDecay: (opts.get('decay') ?? 'constant') as SaeConfigInput['lrDecay'],
    lrWarmupSteps: num('warmup', 0),
    sparsityWarmupSteps: num('l1-warmup', 0),
    totalSteps: steps,
    seed,
    metricsEvery: Math.min(every, 50),
    histogramEvery: every,
  };
  if (opts.has('unit-norm')) config.unitNormDecoder = opts.get('unit-norm') === 'true';
  if (opts.has('dead-window')) config.deadFeatureWindow = num('dead-window', 0);
  if (opts.has('l1')) config.sparsityCoefficient = num('l1', 0);
  else if (arch === 'relu') config.sparsityCoefficient = 0.03;

  const { device, report } = await nodeDevice();
  const source = createSyntheticSource({ dIn, nFeatures, seed: seed + 1, sparsity: num('sparsity', 4) });
  const trainer = await createSaeTrainer(device, config);
  console.log(`adapter ${report.architecture || report.description}; ${arch} dIn=${dIn} dSae=${trainer.config.dSae} batch=${trainer.config.batchSize} steps=${steps}`);
  const started = performance.now();
  for (let s = 1; s <= steps; s++) {
    await trainer.step(source.next(trainer.config.batchSize));
    if (s % every === 0 || s === steps) {
      const m = await trainer.metrics();
      if (m) {
        const rate = trainer.config.batchSize * s / ((performance.now() - started) / 1000);
        console.log(
          `step ${String(s).padStart(6)}  loss ${m.loss.toExponential(3)}  mse ${m.mse.toExponential(3)}  nmse ${m.nmse.toFixed(4)}  ev ${m.explainedVariance.toFixed(4)}` +
            `  L0 ${m.l0.toFixed(2)}  L1 ${m.l1.toFixed(2)}  dead ${m.dead}  dense ${m.dense}  aux ${m.auxLoss.toExponential(2)}  lr ${m.lr.toExponential(2)}  ${rate.toFixed(0)} tok/s`,
        );
      }
    }
  }
  const w = await trainer.exportWeights();
  const r = recovery(w.W_dec, w.dSae, source.trueDirections, nFeatures, dIn);
  console.log(`recovery: MMCS ${r.mmcs.toFixed(4)}, fraction of true features with max cos > 0.9: ${r.fractionAbove09.toFixed(4)}`);
  console.log(`time ${((performance.now() - started) / 1000).toFixed(1)} s`);
  trainer.destroy();
  return 0;
}
