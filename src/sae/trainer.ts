// GPU SAE trainer: owns every buffer of a run, records one compute pass and one queue submit per
// step, and reads metrics back every `metricsEvery` steps through a ring of staging buffers.
// When a [batch, dSae] or [dIn, dSae] buffer would exceed the storage-binding limit, the latents
// are split into contiguous column shards (config.ts planShards): every per-latent buffer exists
// once per shard, per-latent kernels run once per shard, and the cross-latent steps (decoder sum,
// TopK / BatchTopK selection, loss sums, dead counts, b_dec gradient) merge the shards. Saved
// state and weights keep the SAELens layout. With one shard the step is the unsharded one.
// Headless in Node (the `webgpu` package) and in the GPU worker alike:
//   const t = await createSaeTrainer(device, { arch: 'topk', dIn: 64, dSae: 512, k: 8 });
//   await t.step(batch); const m = await t.metrics();
import { readBytes, storageBuffer, Usage } from '@/gpu/buffers';
import { accumulateCall } from '@/gpu/kernels/accumulate';
import { adamCall } from '@/gpu/kernels/adam';
import { biasActCall } from '@/gpu/kernels/bias_act';
import { centerInputCall } from '@/gpu/kernels/center_input';
import { decoderNormCalls } from '@/gpu/kernels/decoder_norm';
import { encodeBackwardCall } from '@/gpu/kernels/encode_backward';
import { featureStatsCalls } from '@/gpu/kernels/feature_stats';
import { gradNormCalls, gradNormPartialWords } from '@/gpu/kernels/grad_norm';
import { matmulCall } from '@/gpu/kernels/matmul';
import { saeLossCalls, saeLossShardCalls } from '@/gpu/kernels/sae_loss';
import { sparseDecodeCalls } from '@/gpu/kernels/sparse_decode';
import { sparseWeightGradsCall } from '@/gpu/kernels/sparse_weight_grads';
import { topkBatchCalls, topkBatchThresholdCall, TOPK_BATCH_SEL_BYTES } from '@/gpu/kernels/topk_batch';
import { topkRowsCall } from '@/gpu/kernels/topk_rows';
import { topkRowsShardedCalls, TOPK_ROWS_SHARDED_SEL_WORDS } from '@/gpu/kernels/topk_rows_sharded';
import { encodeCall, type KernelCall } from '@/gpu/pipelines';
import { architecture, type ArchitectureDef } from './architectures';
import { deadWindowTokens, planShards, resolveConfig, SaeConfigError, usesSparseProducts, validateConfig, type SaeConfig, type SaeConfigInput } from './config';
import { histogram, type Histogram } from './histogram';
import { adamCorrections } from './reference/adam';
import { METRICS_LEN } from './reference/sae_loss';
import { Rng } from './rng';
import { lrAt, sparsityCoefAt } from './schedule';
import { STEP_PARAMS_BYTES, stepParamsWords } from './stepParams';
import { joinColumns, joinRows, shardsOf, splitColumns, splitRows, type Shard } from './shards';
import { cloneState, initialState, initializeFromBatch, PARAM_NAMES, paramLength, type ParamName, type ParamSet, type SaeState } from './state';
import type { SaeWeights } from './types';

export interface SaeStepMetrics {
  step: number;
  tokens: number;
  lr: number;
  sparsityCoef: number;
  loss: number;
  mse: number;
  sparsityLoss: number;
  auxLoss: number;
  /** Σ‖x̂ − x‖² / Σ‖x‖² */
  nmse: number;
  /** 1 − Σ‖x̂ − x‖² / Σ‖x − μ‖² */
  explainedVariance: number;
  l0: number;
  l1: number;
  dead: number;
  dense: number;
}

export interface SaeHistograms {
  step: number;
  /** log10 of each latent's firing frequency since the previous histogram; never-fired latents in `zero`. */
  densityLog10: Histogram & { zero: number };
  decoderNorm: Histogram;
  /** [dSae] each latent's firing count over the window since the previous histogram. */
  fires: Uint32Array;
  /** Tokens in that window. */
  windowTokens: number;
}

export class SaeNumericError extends Error {
  readonly code = 'sae-non-finite';
  constructor(
    readonly step: number,
    readonly details: Record<string, unknown>,
  ) {
    super(`training stopped: the loss at step ${step} is not finite (${String(details.loss)}); the state of step ${step} is kept`);
    this.name = 'SaeNumericError';
  }
}

export interface SaeTrainer {
  readonly config: SaeConfig;
  /** Steps completed (the last good one after a SaeNumericError). */
  readonly stepCount: number;
  /** Uploads one [batchSize, dIn] batch and submits one training step. */
  step(batch: Float32Array): Promise<void>;
  /** Waits for every submitted step's metrics and returns the latest; throws SaeNumericError after a non-finite loss. */
  metrics(): Promise<SaeStepMetrics | undefined>;
  /** Per-step metrics read back since the previous call, oldest first. */
  takeMetrics(): SaeStepMetrics[];
  /** The most recent histograms (every histogramEvery steps). */
  histograms(): SaeHistograms | undefined;
  /** Weights in the caller's units (activation normalisation folded in), SAELens layout. */
  exportWeights(): Promise<SaeWeights>;
  /** Replaces the weights (Adam moments reset); shapes must match the config. */
  importWeights(w: SaeWeights): Promise<void>;
  saveState(): Promise<SaeState>;
  loadState(s: SaeState): Promise<void>;
  destroy(): void;
}

/** Staging buffers in flight at once for metric readback. */
const RING = 3;
const DENSITY_BINS = { lo: -8, hi: 0, n: 40 };
const NORM_BINS = 40;

interface PendingRow {
  step: number;
  tokens: number;
  lr: number;
  sparsityCoef: number;
}

interface RingSlot {
  buffer: GPUBuffer;
  busy?: Promise<void>;
}

export interface SaeTrainerOptions {
  /**
   * Caps every per-shard buffer at this many bytes (below the device's binding limit), which splits
   * the latents into more shards; the step's math is unchanged. Tests use it to exercise sharding.
   */
  maxShardBytes?: number;
}

export async function createSaeTrainer(device: GPUDevice, input: SaeConfigInput, options: SaeTrainerOptions = {}): Promise<SaeTrainer> {
  const config = resolveConfig(input);
  validateConfig(config);
  const trainer = new GpuSaeTrainer(device, config, architecture(config.arch), shardsOf(planShards(config, device.limits, options.maxShardBytes)));
  await trainer.loadState(initialState(config));
  return trainer;
}

/** Parameters with one block per shard; b_dec is shared. */
const SHARD_PARAMS = ['W_enc', 'W_dec', 'b_enc', 'log_threshold'] as const;
type ShardParam = (typeof SHARD_PARAMS)[number];
type SetName = 'p' | 'g' | 'm' | 'v';
const SET_PREFIX: Record<SetName, string> = { p: '', g: 'grad.', m: 'adam_m.', v: 'adam_v.' };

/** Every per-latent buffer of one column shard. */
interface ShardBuffers extends Shard {
  /** Parameters, gradients, Adam moments: W_enc [dIn, size], W_dec [size, dIn], b_enc / log_threshold [size]. */
  sets: Record<SetName, Record<ShardParam, GPUBuffer>>;
  /** [batch, size] hidden_pre */ pre: GPUBuffer;
  /** [rows, size] */ acts: GPUBuffer;
  /** [rows, size] */ dActs: GPUBuffer;
  /** [size] */ norms: GPUBuffer;
  /** [2·size] Σ acts, fires */ feat: GPUBuffer;
  /** [size] u32 */ sinceFired: GPUBuffer;
  /** [size] u32 */ fireCount: GPUBuffer;
}

class GpuSaeTrainer implements SaeTrainer {
  readonly config: SaeConfig;
  private readonly def: ArchitectureDef;
  private readonly n: number;
  private readonly rows: number;
  private readonly buffers: GPUBuffer[] = [];
  private readonly shards: ShardBuffers[];
  private readonly bDec: Record<SetName, GPUBuffer>;
  private readonly b: Record<string, GPUBuffer>;
  private calls: KernelCall[] = [];
  private readonly ring: RingSlot[];
  private readonly stagingWords: number;
  private ringNext = 0;
  private pending: PendingRow[] = [];
  private log: SaeStepMetrics[] = [];
  private latest?: SaeStepMetrics;
  private latestHist?: SaeHistograms;
  private histTokens = 0;
  private failed?: SaeNumericError;
  private host!: Pick<SaeState, 'step' | 'tokens' | 'rng' | 'normScale' | 'initialized'>;

  constructor(
    private readonly device: GPUDevice,
    config: SaeConfig,
    def: ArchitectureDef,
    shards: Shard[],
  ) {
    this.config = config;
    this.def = def;
    const { dIn, dSae, batchSize: n } = config;
    this.n = n;
    this.rows = def.aux ? 2 * n : n;
    const buf = (words: number, label: string) => {
      const b = storageBuffer(device, words * 4, label);
      this.buffers.push(b);
      return b;
    };
    const one = shards.length === 1;
    this.shards = shards.map((sh, i) => {
      const tag = (label: string) => (one ? label : `${label}.${i}`);
      const set = (prefix: string) => Object.fromEntries(SHARD_PARAMS.map((name) => [name, buf(paramLength({ dIn, dSae: sh.size }, name), tag(`${prefix}${name}`))])) as Record<ShardParam, GPUBuffer>;
      return {
        ...sh,
        sets: { p: set(SET_PREFIX.p), g: set(SET_PREFIX.g), m: set(SET_PREFIX.m), v: set(SET_PREFIX.v) },
        pre: buf(n * sh.size, tag('pre')),
        acts: buf(this.rows * sh.size, tag('acts')),
        dActs: buf(this.rows * sh.size, tag('d_acts')),
        norms: buf(sh.size, tag('norms')),
        feat: buf(2 * sh.size, tag('feat')),
        sinceFired: buf(sh.size, tag('since_fired')),
        fireCount: buf(sh.size, tag('fire_count')),
      };
    });
    this.bDec = { p: buf(dIn, 'b_dec'), g: buf(dIn, 'grad.b_dec'), m: buf(dIn, 'adam_m.b_dec'), v: buf(dIn, 'adam_v.b_dec') };
    const step = device.createBuffer({ label: 'step-params', size: STEP_PARAMS_BYTES, usage: Usage.UNIFORM | Usage.COPY_DST });
    this.buffers.push(step);
    this.b = {
      x: buf(n * dIn, 'x'),
      xIn: buf(n * dIn, 'x_in'),
      recon: buf(this.rows * dIn, 'recon'),
      dRecon: buf(this.rows * dIn, 'd_recon'),
      partials: buf(n * 4, 'partials'),
      colX: buf(dIn, 'col_x'),
      metrics: buf(METRICS_LEN, 'metrics'),
      history: buf(config.metricsEvery * METRICS_LEN, 'metrics-history'),
      deadInfo: buf(4, 'dead_info'),
      sel: buf(TOPK_BATCH_SEL_BYTES / 4, 'topk_batch-sel'),
      threshold: buf(1, 'batch-threshold'),
      step,
    };
    if (config.gradClipNorm > 0) {
      this.b.clip = buf(2, 'grad-clip');
      this.b.gradPartials = buf(gradNormPartialWords(this.trained().flatMap((name) => this.paramLengths(name))), 'grad-norm-partials');
    }
    if (!one) {
      this.b.sums = buf(3, 'latent-sums');
      if (def.selection === 'rows' || def.aux) this.b.rowSel = buf(n * TOPK_ROWS_SHARDED_SEL_WORDS, 'topk_rows-sel');
      if (!usesSparseProducts(config)) this.b.reconPart = buf(this.rows * dIn, 'recon-part');
    }
    this.stagingWords = config.metricsEvery * METRICS_LEN + 2 * dSae;
    this.ring = Array.from({ length: RING }, (_, i) => {
      const buffer = device.createBuffer({ label: `metrics-staging-${i}`, size: this.stagingWords * 4, usage: Usage.MAP_READ | Usage.COPY_DST });
      this.buffers.push(buffer);
      return { buffer };
    });
  }

  /** One buffer per shard for a sharded parameter, the shared one for b_dec. */
  private paramBuffers(set: SetName, name: ParamName): GPUBuffer[] {
    return name === 'b_dec' ? [this.bDec[set]] : this.shards.map((sh) => sh.sets[set][name]);
  }

  /** Lengths of the buffers paramBuffers returns. */
  private paramLengths(name: ParamName): number[] {
    const { dIn } = this.config;
    return name === 'b_dec' ? [dIn] : this.shards.map((sh) => paramLength({ dIn, dSae: sh.size }, name));
  }

  /** Parameters Adam updates (JumpReLU also learns its thresholds). */
  private trained(): ParamName[] {
    return this.config.arch === 'jumprelu' ? ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'log_threshold'] : ['W_enc', 'W_dec', 'b_enc', 'b_dec'];
  }

  /**
   * The step's dispatches in order; see src/sae/reference/step.ts for the same sequence on the CPU.
   * Per-latent kernels run once per shard; with one shard no merging call is added.
   */
  private buildCalls(): KernelCall[] {
    const { device, def, config: c, n, rows, b, shards, bDec } = this;
    const { dIn } = c;
    const one = shards.length === 1;
    const calls: KernelCall[] = [];
    // 1. Decoder norms (L1 weights, histogram) and the centred input.
    const decs = shards.map((sh) =>
      decoderNormCalls(device, { wDec: sh.sets.p.W_dec, norms: sh.norms, gWDec: sh.sets.g.W_dec, feat: sh.feat, deadInfo: b.deadInfo, step: b.step }, { dSae: sh.size, dIn, nTok: n, weightedL1: def.sparsity === 1, unitNorm: c.unitNormDecoder }),
    );
    for (const dec of decs) calls.push(dec.norms);
    calls.push(centerInputCall(device, { x: b.x, bDec: bDec.p, xIn: b.xIn }, n, dIn, this.host.normScale));
    // 2. Encoder: pre = x_in·W_enc, bias + activation, then top-k selection (over every shard).
    for (const sh of shards) {
      const p = sh.sets.p;
      calls.push(matmulCall(device, { a: b.xIn, b: p.W_enc, c: sh.pre }, n, sh.size, dIn, 'nn'));
      calls.push(biasActCall(device, { pre: sh.pre, bEnc: p.b_enc, logThreshold: p.log_threshold, acts: sh.acts }, n, sh.size, def.biasAct));
    }
    const main = { k: c.k, relu: true };
    const window = deadWindowTokens(c);
    const aux = { k: c.kAux, relu: false, window, outRow0: n };
    if (def.selection === 'rows') {
      if (one) calls.push(topkRowsCall(device, { s: shards[0].pre, out: shards[0].acts }, n, c.dSae, main));
      else calls.push(...topkRowsShardedCalls(device, shards.map((sh) => ({ dS: sh.size, s: sh.pre, out: sh.acts })), { sel: b.rowSel }, n, main));
    }
    if (def.selection === 'batch') calls.push(...topkBatchCalls(device, shards.map((sh) => ({ dS: sh.size, pre: sh.pre, acts: sh.acts })), b.sel, n, c.k));
    if (def.aux) {
      if (one) calls.push(topkRowsCall(device, { s: shards[0].pre, out: shards[0].acts, sinceFired: shards[0].sinceFired, deadInfo: b.deadInfo }, n, c.dSae, aux));
      else calls.push(...topkRowsShardedCalls(device, shards.map((sh) => ({ dS: sh.size, s: sh.pre, out: sh.acts, sinceFired: sh.sinceFired })), { sel: b.rowSel, deadInfo: b.deadInfo }, n, aux));
    }
    // 3. Decoder (main and AuxK rows together, summed over shards) and the losses. TopK-family
    //    activations are sparse, so their decoder products skip the zeros unless the dense path is forced.
    const sparse = usesSparseProducts(c);
    const sds = sparse ? shards.map((sh, i) => sparseDecodeCalls(device, { acts: sh.acts, wDec: sh.sets.p.W_dec, recon: b.recon, dRecon: b.dRecon, dActs: sh.dActs }, rows, dIn, sh.size, i > 0)) : [];
    shards.forEach((sh, i) => {
      if (sparse) calls.push(sds[i].decode);
      else if (i === 0) calls.push(matmulCall(device, { a: sh.acts, b: sh.sets.p.W_dec, c: b.recon }, rows, dIn, sh.size, 'nn'));
      else calls.push(matmulCall(device, { a: sh.acts, b: sh.sets.p.W_dec, c: b.reconPart }, rows, dIn, sh.size, 'nn'), accumulateCall(device, { acc: b.recon, add: b.reconPart }, rows * dIn));
    });
    const sh0 = shards[0];
    const loss = saeLossCalls(
      device,
      {
        recon: b.recon,
        xs: b.x,
        bDec: bDec.p,
        dRecon: b.dRecon,
        partials: b.partials,
        deadInfo: b.deadInfo,
        wEnc: sh0.sets.p.W_enc,
        gBEnc: sh0.sets.g.b_enc,
        gBDec: bDec.g,
        colX: b.colX,
        feat: sh0.feat,
        norms: sh0.norms,
        metrics: b.metrics,
        step: b.step,
        sums: one ? undefined : b.sums,
      },
      { nTok: n, dIn, dSae: sh0.size, kAux: def.aux ? c.kAux : undefined, sparsity: def.sparsity },
    );
    calls.push(loss.rows);
    // 4. Backward: dActs = dRecon·W_decᵀ, through the activation, then the weight gradients
    //    (walking only the active entries on the sparse path).
    shards.forEach((sh, i) => calls.push(sparse ? sds[i].gradActs : matmulCall(device, { a: b.dRecon, b: sh.sets.p.W_dec, c: sh.dActs }, rows, sh.size, dIn, 'nt')));
    for (const sh of shards) {
      calls.push(
        encodeBackwardCall(
          device,
          {
            pre: sh.pre,
            acts: sh.acts,
            dActs: sh.dActs,
            norms: sh.norms,
            logThreshold: sh.sets.p.log_threshold,
            gBEnc: sh.sets.g.b_enc,
            gLogThreshold: sh.sets.g.log_threshold,
            feat: sh.feat,
            step: b.step,
          },
          { nTok: n, dSae: sh.size, arch: def.backward, aux: def.aux, bandwidth: c.bandwidth },
        ),
      );
    }
    for (const sh of shards) {
      const g = sh.sets.g;
      if (sparse) {
        calls.push(sparseWeightGradsCall(device, { dPre: sh.dActs, acts: sh.acts, xIn: b.xIn, dRecon: b.dRecon, gWEnc: g.W_enc, gWDec: g.W_dec }, n, rows, dIn, sh.size));
      } else {
        calls.push(matmulCall(device, { a: b.xIn, b: sh.dActs, c: g.W_enc }, dIn, sh.size, n, 'tn'));
        calls.push(matmulCall(device, { a: sh.acts, b: b.dRecon, c: g.W_dec }, sh.size, dIn, rows, 'tn'));
      }
    }
    calls.push(loss.columns);
    const lossShards = one
      ? []
      : shards.map((sh, i) => saeLossShardCalls(device, { wEnc: sh.sets.p.W_enc, gBEnc: sh.sets.g.b_enc, gBDec: bDec.g, feat: sh.feat, norms: sh.norms, sums: b.sums }, { dIn, dS: sh.size, sparsity: def.sparsity, accumulate: i > 0 }));
    for (const ls of lossShards.slice(1)) calls.push(ls.columns);
    for (const dec of decs) if (dec.grad) calls.push(dec.grad);
    // 5. Metrics and the halt check, the gradients' global norm and clip factor (when clipping),
    //    then Adam (skipped on the GPU once halted) and renormalisation.
    for (const ls of lossShards) calls.push(ls.sums);
    calls.push(loss.finalize);
    const trained = this.trained();
    const clip = c.gradClipNorm > 0 ? b.clip : undefined;
    if (clip) {
      const grads = trained.flatMap((name) => this.paramBuffers('g', name));
      calls.push(...gradNormCalls(device, { grads, partials: b.gradPartials, clip }, trained.flatMap((name) => this.paramLengths(name)), c.gradClipNorm));
    }
    for (const name of trained) {
      const [p, g, m, v] = (['p', 'g', 'm', 'v'] as const).map((set) => this.paramBuffers(set, name));
      const lengths = this.paramLengths(name);
      p.forEach((_, i) => calls.push(adamCall(device, { p: p[i], g: g[i], m: m[i], v: v[i], deadInfo: b.deadInfo, step: b.step, clip }, lengths[i], `adam-${name}`)));
    }
    for (const dec of decs) if (dec.normalize) calls.push(dec.normalize);
    // 6. Firing counters, dead/dense counts (summed over shards), BatchTopK threshold.
    const stats = shards.map((sh, i) =>
      featureStatsCalls(device, { feat: sh.feat, sinceFired: sh.sinceFired, fireCount: sh.fireCount, deadInfo: b.deadInfo, metrics: b.metrics }, { nTok: n, dSae: sh.size, window, denseFrac: c.denseThreshold, accumulate: i > 0 }),
    );
    for (const st of stats) calls.push(st.update);
    for (const st of stats) calls.push(st.count);
    if (def.selection === 'batch') calls.push(topkBatchThresholdCall(device, { pre: sh0.pre, acts: sh0.acts, sel: b.sel, threshold: b.threshold, deadInfo: b.deadInfo }, n, sh0.size, c.k, c.thresholdRate));
    return calls;
  }

  get stepCount(): number {
    return this.host.step;
  }

  async step(batch: Float32Array): Promise<void> {
    if (this.failed) throw this.failed;
    const c = this.config;
    if (batch.length !== c.batchSize * c.dIn) {
      throw new SaeConfigError('batch', `expected [batchSize=${c.batchSize}, dIn=${c.dIn}] = ${c.batchSize * c.dIn} floats, got ${batch.length}`, { length: batch.length });
    }
    const { device, b } = this;
    if (!this.host.initialized) await this.initializeFrom(batch);
    const s = this.host.step;
    // Read back on step multiples of metricsEvery, so an early flush (resampling, saveState) keeps the cadence.
    const flush = (s + 1) % c.metricsEvery === 0;
    const slot = flush ? await this.freeSlot() : undefined;

    // 1. Per-step uniforms: scheduled LR and sparsity coefficient, Adam bias corrections.
    const lr = lrAt(c, s);
    const sparsityCoef = sparsityCoefAt(c, s);
    const corr = adamCorrections({ lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, t: s + 1 });
    const words = stepParamsWords({ lr, ...corr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, sparsityCoef, auxCoef: c.auxCoefficient });
    device.queue.writeBuffer(b.step, 0, words.buffer, words.byteOffset, words.byteLength);
    // 2. The batch (scaled into the normalised space by center_input).
    device.queue.writeBuffer(b.x, 0, batch.buffer, batch.byteOffset, batch.byteLength);

    // 3. One pass, one submit.
    const enc = device.createCommandEncoder({ label: `sae-step-${s}` });
    if (this.def.selection === 'batch') enc.clearBuffer(b.sel);
    const pass = enc.beginComputePass({ label: 'sae-step' });
    for (const call of this.calls) encodeCall(pass, call);
    pass.end();
    enc.copyBufferToBuffer(b.metrics, 0, b.history, this.pending.length * METRICS_LEN * 4, METRICS_LEN * 4);
    this.pending.push({ step: s, tokens: this.host.tokens + c.batchSize, lr, sparsityCoef });
    this.host.step++;
    this.host.tokens += c.batchSize;
    this.histTokens += c.batchSize;
    const histogram = flush && this.host.step % c.histogramEvery === 0;
    if (slot) this.encodeReadback(enc, slot, histogram);
    device.queue.submit([enc.finish()]);
    if (slot) this.startMap(slot, histogram);
    if (c.resampleEvery > 0 && this.host.step % c.resampleEvery === 0) await this.resampleDead();
  }

  private async initializeFrom(batch: Float32Array): Promise<void> {
    const s = await this.saveStateRaw();
    initializeFromBatch(s, batch);
    this.host.normScale = s.normScale;
    this.host.initialized = true;
    this.write(this.bDec.p, s.params.b_dec);
    this.calls = this.buildCalls();
  }

  /** A staging buffer that is not being mapped, waiting for the oldest if all are. */
  private async freeSlot(): Promise<RingSlot> {
    const slot = this.ring[this.ringNext];
    this.ringNext = (this.ringNext + 1) % RING;
    if (slot.busy) await slot.busy;
    return slot;
  }

  private encodeReadback(enc: GPUCommandEncoder, slot: RingSlot, histogram: boolean): void {
    const { b, config: c } = this;
    enc.copyBufferToBuffer(b.history, 0, slot.buffer, 0, this.pending.length * METRICS_LEN * 4);
    if (histogram) {
      const off = c.metricsEvery * METRICS_LEN * 4;
      for (const sh of this.shards) {
        enc.copyBufferToBuffer(sh.norms, 0, slot.buffer, off + sh.j0 * 4, sh.size * 4);
        enc.copyBufferToBuffer(sh.fireCount, 0, slot.buffer, off + (c.dSae + sh.j0) * 4, sh.size * 4);
        enc.clearBuffer(sh.fireCount);
      }
    }
  }

  private startMap(slot: RingSlot, histogram: boolean): void {
    const rows = this.pending;
    this.pending = [];
    const histTokens = this.histTokens;
    if (histogram) this.histTokens = 0;
    slot.busy = slot.buffer.mapAsync(0x1).then(() => {
      const data = new Float32Array(slot.buffer.getMappedRange().slice(0));
      slot.buffer.unmap();
      slot.busy = undefined;
      this.absorb(rows, data, histogram ? histTokens : 0);
    });
  }

  /** Turns read-back metric rows into SaeStepMetrics; the first non-finite loss fails the run. */
  private absorb(rows: PendingRow[], data: Float32Array, histTokens: number): void {
    if (this.failed) return;
    for (let i = 0; i < rows.length; i++) {
      const m = data.subarray(i * METRICS_LEN, (i + 1) * METRICS_LEN);
      const r = rows[i];
      if (m[10] !== 1) {
        this.failed = new SaeNumericError(r.step, { loss: m[0], mse: m[1], sparsityLoss: m[2], auxLoss: m[3] });
        // The GPU skipped every update from this step on: the state is that of `r.step` steps.
        this.host.step = r.step;
        this.host.tokens = r.tokens - this.config.batchSize;
        return;
      }
      const metrics: SaeStepMetrics = {
        ...r,
        loss: m[0],
        mse: m[1],
        sparsityLoss: m[2],
        auxLoss: m[3],
        nmse: m[4],
        explainedVariance: m[5],
        l0: m[6],
        l1: m[7],
        dead: m[8],
        dense: m[9],
      };
      this.log.push(metrics);
      this.latest = metrics;
    }
    if (histTokens > 0) {
      const off = this.config.metricsEvery * METRICS_LEN;
      const dSae = this.config.dSae;
      const norms = data.subarray(off, off + dSae);
      const fires = new Uint32Array(data.buffer, data.byteOffset + (off + dSae) * 4, dSae);
      this.latestHist = {
        step: rows[rows.length - 1].step + 1,
        densityLog10: densityHistogram(fires, histTokens),
        decoderNorm: histogram(norms, NORM_BINS),
        fires: fires.slice(),
        windowTokens: histTokens,
      };
    }
  }

  /** Reads back every submitted step that has not been read yet. */
  private async flushAll(): Promise<void> {
    if (this.pending.length > 0) {
      const slot = await this.freeSlot();
      const enc = this.device.createCommandEncoder({ label: 'metrics-flush' });
      this.encodeReadback(enc, slot, false);
      this.device.queue.submit([enc.finish()]);
      this.startMap(slot, false);
    }
    await Promise.all(this.ring.map((s) => s.busy));
  }

  async metrics(): Promise<SaeStepMetrics | undefined> {
    await this.flushAll();
    if (this.failed) throw this.failed;
    return this.latest;
  }

  takeMetrics(): SaeStepMetrics[] {
    const out = this.log;
    this.log = [];
    return out;
  }

  histograms(): SaeHistograms | undefined {
    return this.latestHist;
  }

  private write(buf: GPUBuffer, data: Float32Array | Uint32Array): void {
    this.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  private async readF32(buf: GPUBuffer, words: number): Promise<Float32Array> {
    return new Float32Array(await readBytes(this.device, buf, words * 4));
  }

  private async readU32(buf: GPUBuffer, words: number): Promise<Uint32Array> {
    return new Uint32Array(await readBytes(this.device, buf, words * 4));
  }

  /** One parameter (or its gradient / Adam moment) in the SAELens layout, joined from the shards. */
  private async readParam(set: SetName, name: ParamName): Promise<Float32Array> {
    const { config: c, shards } = this;
    const lengths = this.paramLengths(name);
    const parts: Float32Array[] = [];
    for (const [i, buf] of this.paramBuffers(set, name).entries()) parts.push(await this.readF32(buf, lengths[i]));
    if (name === 'b_dec') return parts[0];
    if (name === 'W_enc') return joinColumns(parts, c.dIn, shards);
    return joinRows(parts, name === 'W_dec' ? c.dIn : 1, shards);
  }

  private writeParam(set: SetName, name: ParamName, data: Float32Array): void {
    const { config: c, shards } = this;
    const bufs = this.paramBuffers(set, name);
    let parts: Float32Array[];
    if (name === 'b_dec') parts = [data];
    else if (name === 'W_enc') parts = splitColumns(data, c.dIn, shards);
    else parts = splitRows(data, name === 'W_dec' ? c.dIn : 1, shards);
    parts.forEach((part, i) => this.write(bufs[i], part));
  }

  private async readSet(set: SetName): Promise<ParamSet> {
    const out: Partial<ParamSet> = {};
    for (const name of PARAM_NAMES) out[name] = await this.readParam(set, name);
    return out as ParamSet;
  }

  /** A per-latent u32 counter joined from the shards. */
  private async readCounter(key: 'sinceFired' | 'fireCount'): Promise<Uint32Array> {
    const parts: Uint32Array[] = [];
    for (const sh of this.shards) parts.push(await this.readU32(sh[key], sh.size));
    return joinRows(parts, 1, this.shards);
  }

  private writeCounter(key: 'sinceFired' | 'fireCount', data: Uint32Array): void {
    splitRows(data, 1, this.shards).forEach((part, i) => this.write(this.shards[i][key], part));
  }

  /** The state as it is on the GPU now, without waiting for metrics (used during initialisation). */
  private async saveStateRaw(): Promise<SaeState> {
    const { b, config: c } = this;
    return {
      config: { ...c },
      ...this.host,
      params: await this.readSet('p'),
      adamM: await this.readSet('m'),
      adamV: await this.readSet('v'),
      sinceFired: await this.readCounter('sinceFired'),
      fireCount: await this.readCounter('fireCount'),
      deadInfo: await this.readU32(b.deadInfo, 4),
      batchThreshold: (await this.readF32(b.threshold, 1))[0],
    };
  }

  async saveState(): Promise<SaeState> {
    await this.flushAll().catch(() => undefined);
    return this.saveStateRaw();
  }

  async loadState(state: SaeState): Promise<void> {
    const c = this.config;
    for (const f of ['arch', 'dIn', 'dSae', 'batchSize'] as const) {
      if (state.config[f] !== c[f]) throw new SaeConfigError(f, `saved state has ${f}=${state.config[f]}, this trainer ${c[f]}`, { saved: state.config[f], current: c[f] });
    }
    await Promise.all(this.ring.map((s) => s.busy)).catch(() => undefined);
    const s = cloneState(state);
    for (const name of PARAM_NAMES) {
      this.writeParam('p', name, s.params[name]);
      this.writeParam('m', name, s.adamM[name]);
      this.writeParam('v', name, s.adamV[name]);
    }
    this.writeCounter('sinceFired', s.sinceFired);
    this.writeCounter('fireCount', s.fireCount);
    // A loaded state is a good state: clear the halted flag.
    this.write(this.b.deadInfo, Uint32Array.of(s.deadInfo[0], s.deadInfo[1], 0, 0));
    this.write(this.b.threshold, Float32Array.of(s.batchThreshold));
    this.host = { step: s.step, tokens: s.tokens, rng: s.rng, normScale: s.normScale, initialized: s.initialized };
    this.pending = [];
    this.failed = undefined;
    this.latest = undefined;
    this.log = [];
    this.histTokens = 0;
    // The normalisation scale is baked into center_input's uniform.
    this.calls = this.buildCalls();
    await this.device.queue.onSubmittedWorkDone();
  }

  async exportWeights(): Promise<SaeWeights> {
    // After a non-finite loss this still exports: the GPU holds the last good weights.
    await this.flushAll();
    const c = this.config;
    const p = await this.readSet('p');
    const s = this.host.normScale;
    // Fold the normalisation in: pre-activations are unchanged for x in the caller's units.
    const weights: SaeWeights = {
      dIn: c.dIn,
      dSae: c.dSae,
      W_enc: p.W_enc.map((w) => w * s),
      W_dec: p.W_dec.map((w) => w / s),
      b_enc: p.b_enc,
      b_dec: p.b_dec.map((w) => w / s),
    };
    if (this.def.exportThreshold === 'learned') weights.threshold = p.log_threshold.map(Math.exp);
    if (this.def.exportThreshold === 'running') weights.threshold = new Float32Array(c.dSae).fill((await this.readF32(this.b.threshold, 1))[0]);
    return weights;
  }

  async importWeights(w: SaeWeights): Promise<void> {
    const c = this.config;
    if (w.dIn !== c.dIn) throw new SaeConfigError('dIn', `weights have dIn=${w.dIn}, this trainer ${c.dIn}`);
    if (w.dSae !== c.dSae) throw new SaeConfigError('dSae', `weights have dSae=${w.dSae}, this trainer ${c.dSae}`);
    const state = await this.saveState();
    const s = state.initialized ? state.normScale : 1;
    state.params.W_enc = w.W_enc.map((x) => x / s);
    state.params.W_dec = w.W_dec.map((x) => x * s);
    state.params.b_enc = w.b_enc.slice();
    state.params.b_dec = w.b_dec.map((x) => x * s);
    if (w.threshold && this.def.exportThreshold === 'learned') state.params.log_threshold = w.threshold.map((t) => Math.log(Math.max(t, 1e-30)));
    if (w.threshold && this.def.exportThreshold === 'running') state.batchThreshold = w.threshold.reduce((a, t) => a + t, 0) / w.threshold.length;
    for (const name of PARAM_NAMES) {
      state.adamM[name].fill(0);
      state.adamV[name].fill(0);
    }
    state.normScale = s;
    state.initialized = true;
    await this.loadState(state);
  }

  /**
   * Anthropic-style resampling: each dead latent gets the direction of an input drawn with
   * probability ∝ its squared reconstruction loss; encoder column = that direction scaled to
   * 0.2 × the mean alive encoder norm, b_enc = 0, Adam moments of the touched entries reset.
   */
  private async resampleDead(): Promise<void> {
    await this.flushAll();
    if (this.failed) return;
    const c = this.config;
    const { dIn, dSae } = c;
    const state = await this.saveStateRaw();
    const window = deadWindowTokens(c);
    const dead: number[] = [];
    for (let j = 0; j < dSae; j++) if (state.sinceFired[j] >= window) dead.push(j);
    if (dead.length === 0) return;
    const partials = await this.readF32(this.b.partials, this.n * 4);
    const xs = await this.readF32(this.b.x, this.n * dIn);
    const weights = Array.from({ length: this.n }, (_, r) => partials[r * 4] ** 2);
    const total = weights.reduce((a, w) => a + w, 0);
    if (!(total > 0)) return;
    let aliveNorm = 0;
    let alive = 0;
    for (let j = 0; j < dSae; j++) {
      if (state.sinceFired[j] >= window) continue;
      let sq = 0;
      for (let i = 0; i < dIn; i++) sq += state.params.W_enc[i * dSae + j] ** 2;
      aliveNorm += Math.sqrt(sq);
      alive++;
    }
    const encScale = 0.2 * (alive > 0 ? aliveNorm / alive : 1);
    const rng = new Rng(state.rng);
    const { params, adamM, adamV } = state;
    for (const j of dead) {
      let u = rng.next() * total;
      let r = 0;
      while (r < this.n - 1 && u >= weights[r]) u -= weights[r++];
      let sq = 0;
      for (let i = 0; i < dIn; i++) sq += (xs[r * dIn + i] - params.b_dec[i]) ** 2;
      const inv = 1 / Math.max(Math.sqrt(sq), 1e-12);
      for (let i = 0; i < dIn; i++) {
        const d = (xs[r * dIn + i] - params.b_dec[i]) * inv;
        params.W_dec[j * dIn + i] = d;
        params.W_enc[i * dSae + j] = d * encScale;
        for (const set of [adamM, adamV]) {
          set.W_dec[j * dIn + i] = 0;
          set.W_enc[i * dSae + j] = 0;
        }
      }
      params.b_enc[j] = 0;
      adamM.b_enc[j] = 0;
      adamV.b_enc[j] = 0;
      state.sinceFired[j] = 0;
    }
    state.rng = rng.state;
    await this.loadState(state);
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
  }
}

function densityHistogram(fires: Uint32Array, tokens: number): Histogram & { zero: number } {
  const { lo, hi, n } = DENSITY_BINS;
  const counts = new Array<number>(n).fill(0);
  let zero = 0;
  for (const f of fires) {
    if (f === 0) {
      zero++;
      continue;
    }
    const x = Math.log10(f / tokens);
    counts[Math.max(0, Math.min(n - 1, Math.floor(((x - lo) / (hi - lo)) * n)))]++;
  }
  return { edges: Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n), counts, zero };
}
