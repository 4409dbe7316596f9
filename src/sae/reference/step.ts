// CPU reference for one full SAE training step, composed from the per-kernel references in the
// same order as the GPU step: forward, losses, backward, decoder corrections, Adam, renormalise,
// counters. The GPU trainer is tested against it for every architecture.
import { matmulReference } from '@/gpu/reference/matmul';
import { architecture } from '../architectures';
import { deadWindowTokens } from '../config';
import { lrAt, sparsityCoefAt } from '../schedule';
import { initializeFromBatch, type ParamName, type SaeState } from '../state';
import { adamReference } from './adam';
import { biasActReference } from './bias_act';
import { centerInputReference } from './center_input';
import { decoderGradReference, normalizeRowsReference, rowNormsReference } from './decoder_norm';
import { encodeBackwardReference } from './encode_backward';
import { featureCountReference, featureUpdateReference } from './feature_stats';
import { clipCoefficient, gradNormReference } from './grad_norm';
import { lossColumnsReference, lossFinalizeReference, lossRowsReference } from './sae_loss';
import { batchThresholdReference, topkBatchReference } from './topk_batch';
import { topkRowsReference } from './topk_rows';

export interface ReferenceStepResult {
  /** loss, mse, sparsityLoss, auxLoss, nmse, explainedVariance, l0, l1, dead, dense */
  metrics: number[];
  finite: boolean;
}

/** Advances `s` by one step on `batch` ([batchSize, dIn]); leaves it untouched when the loss is not finite. */
export function referenceStep(s: SaeState, batch: Float32Array): ReferenceStepResult {
  const c = s.config;
  const def = architecture(c.arch);
  const { dIn, dSae, batchSize: n } = c;
  const p = s.params;
  if (!s.initialized) initializeFromBatch(s, batch);

  // 1. Schedules for this step.
  const t = s.step + 1;
  const lr = lrAt(c, s.step);
  const sparsityCoef = sparsityCoefAt(c, s.step);

  // 2. Forward: centre, encode, activate, select.
  const norms = rowNormsReference(p.W_dec, dSae, dIn);
  const { xs, xIn } = centerInputReference(batch, p.b_dec, n, dIn, s.normScale);
  const { hidden, acts: actMain } = biasActReference(matmulReference(xIn, p.W_enc, n, dSae, dIn), p.b_enc, p.log_threshold, n, dSae, def.biasAct);
  let main: Float32Array = actMain;
  let batchT = 0;
  if (def.selection === 'rows') main = topkRowsReference(hidden, n, dSae, { k: c.k, relu: true });
  if (def.selection === 'batch') {
    const r = topkBatchReference(hidden, n, c.k);
    main = r.acts;
    batchT = r.t;
  }
  const rows = def.aux ? 2 * n : n;
  const acts = new Float32Array(rows * dSae);
  acts.set(main);
  const window = deadWindowTokens(c);
  const deadMask = Uint8Array.from(s.sinceFired, (v) => (v >= window ? 1 : 0));
  const dead = s.deadInfo[0];
  if (def.aux) acts.set(topkRowsReference(hidden, n, dSae, { k: c.kAux, relu: false, mask: deadMask }), n * dSae);

  // 3. Decode and losses.
  const recon = matmulReference(acts, p.W_dec, rows, dIn, dSae);
  const { dRecon, partials } = lossRowsReference(recon, xs, p.b_dec, { nTok: n, dIn, aux: def.aux ? { kAux: c.kAux, coef: c.auxCoefficient, dead } : undefined });

  // 4. Backward.
  const dActs = matmulReference(dRecon, p.W_dec, rows, dSae, dIn, 'nt');
  const back = encodeBackwardReference({ pre: hidden, acts, dActs, norms, logThreshold: p.log_threshold, nTok: n, dSae, arch: def.backward, aux: def.aux, sparsityCoef, bandwidth: c.bandwidth });
  const grads: Record<ParamName, Float32Array> = {
    W_enc: matmulReference(xIn, back.dPre, dIn, dSae, n, 'tn'),
    W_dec: matmulReference(acts, dRecon, dSae, dIn, rows, 'tn'),
    b_enc: back.gBEnc,
    b_dec: new Float32Array(dIn),
    log_threshold: back.gLogThreshold,
  };
  const cols = lossColumnsReference(xs, dRecon, p.W_enc, back.gBEnc, n, rows, dIn, dSae);
  grads.b_dec = cols.gBDec;
  const l1Scale = def.sparsity === 1 ? back.feat.subarray(0, dSae).map((v) => (sparsityCoef * v) / n) : undefined;
  decoderGradReference(p.W_dec, grads.W_dec, dSae, dIn, { l1Scale, unitNorm: c.unitNormDecoder });
  const head = lossFinalizeReference({ partials, colX: cols.colX, feat: back.feat, norms, nTok: n, dIn, dSae, sparsity: def.sparsity, sparsityCoef });
  if (!Number.isFinite(head[0]) || s.deadInfo[2] !== 0) {
    s.deadInfo[2] = 1;
    return { metrics: [...head, dead, s.deadInfo[1]], finite: false };
  }

  // 5. Update: clip the gradients' global norm (when on), Adam on every trained parameter, then
  //    renormalise the decoder.
  const adam = { lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, t };
  const trained: ParamName[] = ['W_enc', 'W_dec', 'b_enc', 'b_dec'];
  if (c.arch === 'jumprelu') trained.push('log_threshold');
  if (c.gradClipNorm > 0) {
    const coef = Math.fround(clipCoefficient(gradNormReference(trained.map((name) => grads[name])), c.gradClipNorm));
    for (const name of trained) grads[name] = grads[name].map((v) => v * coef);
  }
  for (const name of trained) adamReference(p[name], grads[name], s.adamM[name], s.adamV[name], adam);
  if (c.unitNormDecoder) normalizeRowsReference(p.W_dec, dSae, dIn);

  // 6. Counters and the BatchTopK threshold.
  featureUpdateReference(back.feat, s.sinceFired, s.fireCount, n, dSae);
  const counts = featureCountReference(back.feat, s.sinceFired, n, dSae, window, c.denseThreshold);
  s.deadInfo[0] = counts.dead;
  s.deadInfo[1] = counts.dense;
  if (def.selection === 'batch') s.batchThreshold = batchThresholdReference(s.batchThreshold, batchT, c.thresholdRate);
  s.step++;
  s.tokens += n;
  return { metrics: [...head, counts.dead, counts.dense], finite: true };
}
