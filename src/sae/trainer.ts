// GPU SAE trainer: owns every buffer of a run, records one compute pass and one queue submit per
// step, and reads metrics back every `metricsEvery` steps through a ring of staging buffers.
// Headless in Node (the `webgpu` package) and in the GPU worker alike:
//   const t = await createSaeTrainer(device, { arch: 'topk', dIn: 64, dSae: 512, k: 8 });
//   await t.step(batch); const m = await t.metrics();
import { readBytes, storageBuffer, Usage } from '@/gpu/buffers';
import { adamCall } from '@/gpu/kernels/adam';
import { biasActCall } from '@/gpu/kernels/bias_act';
import { centerInputCall } from '@/gpu/kernels/center_input';
import { decoderNormCalls } from '@/gpu/kernels/decoder_norm';
import { encodeBackwardCall } from '@/gpu/kernels/encode_backward';
import { featureStatsCalls } from '@/gpu/kernels/feature_stats';
import { matmulCall } from '@/gpu/kernels/matmul';
import { saeLossCalls } from '@/gpu/kernels/sae_loss';
import { sparseDecodeCalls } from '@/gpu/kernels/sparse_decode';
import { sparseWeightGradsCall } from '@/gpu/kernels/sparse_weight_grads';
import { topkBatchCalls, topkBatchThresholdCall, TOPK_BATCH_SEL_BYTES } from '@/gpu/kernels/topk_batch';
import { topkRowsCall } from '@/gpu/kernels/topk_rows';
import { encodeCall, type KernelCall } from '@/gpu/pipelines';
import { architecture, type ArchitectureDef } from './architectures';
import { resolveConfig, SaeConfigError, validateConfig, type SaeConfig, type SaeConfigInput } from './config';
import { adamCorrections } from './reference/adam';
import { METRICS_LEN } from './reference/sae_loss';
import { Rng } from './rng';
import { lrAt, sparsityCoefAt } from './schedule';
import { STEP_PARAMS_BYTES, stepParamsWords } from './stepParams';
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

export interface Histogram {
  /** Bin edges, length counts.length + 1. */
  edges: number[];
  counts: number[];
}

export interface SaeHistograms {
  step: number;
  /** log10 of each latent's firing frequency since the previous histogram; never-fired latents in `zero`. */
  densityLog10: Histogram & { zero: number };
  decoderNorm: Histogram;
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

export async function createSaeTrainer(device: GPUDevice, input: SaeConfigInput): Promise<SaeTrainer> {
  const config = resolveConfig(input);
  validateConfig(config, device.limits);
  const trainer = new GpuSaeTrainer(device, config, architecture(config.arch));
  await trainer.loadState(initialState(config));
  return trainer;
}

class GpuSaeTrainer implements SaeTrainer {
  readonly config: SaeConfig;
  private readonly def: ArchitectureDef;
  private readonly n: number;
  private readonly rows: number;
  private readonly buffers: GPUBuffer[] = [];
  private readonly p: Record<ParamName, GPUBuffer>;
  private readonly g: Record<ParamName, GPUBuffer>;
  private readonly m: Record<ParamName, GPUBuffer>;
  private readonly v: Record<ParamName, GPUBuffer>;
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
    const set = (prefix: string) => Object.fromEntries(PARAM_NAMES.map((name) => [name, buf(paramLength(config, name), `${prefix}${name}`)])) as Record<ParamName, GPUBuffer>;
    this.p = set('');
    this.g = set('grad.');
    this.m = set('adam_m.');
    this.v = set('adam_v.');
    const step = device.createBuffer({ label: 'step-params', size: STEP_PARAMS_BYTES, usage: Usage.UNIFORM | Usage.COPY_DST });
    this.buffers.push(step);
    this.b = {
      x: buf(n * dIn, 'x'),
      xIn: buf(n * dIn, 'x_in'),
      pre: buf(n * dSae, 'pre'),
      acts: buf(this.rows * dSae, 'acts'),
      dActs: buf(this.rows * dSae, 'd_acts'),
      recon: buf(this.rows * dIn, 'recon'),
      dRecon: buf(this.rows * dIn, 'd_recon'),
      norms: buf(dSae, 'norms'),
      feat: buf(2 * dSae, 'feat'),
      partials: buf(n * 4, 'partials'),
      colX: buf(dIn, 'col_x'),
      metrics: buf(METRICS_LEN, 'metrics'),
      history: buf(config.metricsEvery * METRICS_LEN, 'metrics-history'),
      deadInfo: buf(4, 'dead_info'),
      sinceFired: buf(dSae, 'since_fired'),
      fireCount: buf(dSae, 'fire_count'),
      sel: buf(TOPK_BATCH_SEL_BYTES / 4, 'topk_batch-sel'),
      threshold: buf(1, 'batch-threshold'),
      step,
    };
    this.stagingWords = config.metricsEvery * METRICS_LEN + 2 * dSae;
    this.ring = Array.from({ length: RING }, (_, i) => {
      const buffer = device.createBuffer({ label: `metrics-staging-${i}`, size: this.stagingWords * 4, usage: Usage.MAP_READ | Usage.COPY_DST });
      this.buffers.push(buffer);
      return { buffer };
    });
  }

  /** The step's dispatches in order; see src/sae/reference/step.ts for the same sequence on the CPU. */
  private buildCalls(): KernelCall[] {
    const { device, def, config: c, n, rows, b, p, g } = this;
    const { dIn, dSae } = c;
    const calls: KernelCall[] = [];
    // 1. Decoder norms (L1 weights, histogram) and the centred input.
    const dec = decoderNormCalls(device, { wDec: p.W_dec, norms: b.norms, gWDec: g.W_dec, feat: b.feat, deadInfo: b.deadInfo, step: b.step }, { dSae, dIn, nTok: n, weightedL1: def.sparsity === 1, unitNorm: c.unitNormDecoder });
    calls.push(dec.norms);
    calls.push(centerInputCall(device, { x: b.x, bDec: p.b_dec, xIn: b.xIn }, n, dIn, this.host.normScale));
    // 2. Encoder: pre = x_in·W_enc, bias + activation, then top-k selection.
    calls.push(matmulCall(device, { a: b.xIn, b: p.W_enc, c: b.pre }, n, dSae, dIn, 'nn'));
    calls.push(biasActCall(device, { pre: b.pre, bEnc: p.b_enc, logThreshold: p.log_threshold, acts: b.acts }, n, dSae, def.biasAct));
    if (def.selection === 'rows') calls.push(topkRowsCall(device, { s: b.pre, out: b.acts }, n, dSae, { k: c.k, relu: true }));
    if (def.selection === 'batch') calls.push(...topkBatchCalls(device, { pre: b.pre, acts: b.acts, sel: b.sel, threshold: b.threshold, deadInfo: b.deadInfo }, n, dSae, c.k));
    if (def.aux) {
      calls.push(topkRowsCall(device, { s: b.pre, out: b.acts, sinceFired: b.sinceFired, deadInfo: b.deadInfo }, n, dSae, { k: c.kAux, relu: false, window: c.deadFeatureWindow, outRow0: n }));
    }
    // 3. Decoder (main and AuxK rows together) and the losses. TopK-family activations are sparse,
    //    so their decoder products skip the zeros unless the dense path is forced.
    const sparse = def.selection !== 'none' && !c.forceDense;
    const sd = sparseDecodeCalls(device, { acts: b.acts, wDec: p.W_dec, recon: b.recon, dRecon: b.dRecon, dActs: b.dActs }, rows, dIn, dSae);
    calls.push(sparse ? sd.decode : matmulCall(device, { a: b.acts, b: p.W_dec, c: b.recon }, rows, dIn, dSae, 'nn'));
    const loss = saeLossCalls(
      device,
      { recon: b.recon, xs: b.x, bDec: p.b_dec, dRecon: b.dRecon, partials: b.partials, deadInfo: b.deadInfo, wEnc: p.W_enc, gBEnc: g.b_enc, gBDec: g.b_dec, colX: b.colX, feat: b.feat, norms: b.norms, metrics: b.metrics, step: b.step },
      { nTok: n, dIn, dSae, kAux: def.aux ? c.kAux : undefined, sparsity: def.sparsity },
    );
    calls.push(loss.rows);
    // 4. Backward: dActs = dRecon·W_decᵀ, through the activation, then the weight gradients
    //    (walking only the active entries on the sparse path).
    calls.push(sparse ? sd.gradActs : matmulCall(device, { a: b.dRecon, b: p.W_dec, c: b.dActs }, rows, dSae, dIn, 'nt'));
    calls.push(
      encodeBackwardCall(
        device,
        {
          pre: b.pre,
          acts: b.acts,
          dActs: b.dActs,
          norms: b.norms,
          logThreshold: p.log_threshold,
          gBEnc: g.b_enc,
          gLogThreshold: g.log_threshold,
          feat: b.feat,
          step: b.step,
        },
        { nTok: n, dSae, arch: def.backward, aux: def.aux, bandwidth: c.bandwidth },
      ),
    );
    if (sparse) {
      calls.push(sparseWeightGradsCall(device, { dPre: b.dActs, acts: b.acts, xIn: b.xIn, dRecon: b.dRecon, gWEnc: g.W_enc, gWDec: g.W_dec }, n, rows, dIn, dSae));
    } else {
      calls.push(matmulCall(device, { a: b.xIn, b: b.dActs, c: g.W_enc }, dIn, dSae, n, 'tn'));
      calls.push(matmulCall(device, { a: b.acts, b: b.dRecon, c: g.W_dec }, dSae, dIn, rows, 'tn'));
    }
    calls.push(loss.columns);
    if (dec.grad) calls.push(dec.grad);
    // 5. Metrics and the halt check, then Adam (skipped on the GPU once halted) and renormalisation.
    calls.push(loss.finalize);
    const trained: ParamName[] = ['W_enc', 'W_dec', 'b_enc', 'b_dec'];
    if (c.arch === 'jumprelu') trained.push('log_threshold');
    for (const name of trained) {
      calls.push(adamCall(device, { p: p[name], g: g[name], m: this.m[name], v: this.v[name], deadInfo: b.deadInfo, step: b.step }, paramLength(c, name), `adam-${name}`));
    }
    if (dec.normalize) calls.push(dec.normalize);
    // 6. Firing counters, dead/dense counts, BatchTopK threshold.
    const stats = featureStatsCalls(device, { feat: b.feat, sinceFired: b.sinceFired, fireCount: b.fireCount, deadInfo: b.deadInfo, metrics: b.metrics }, { nTok: n, dSae, window: c.deadFeatureWindow, denseFrac: c.denseThreshold });
    calls.push(stats.update, stats.count);
    if (def.selection === 'batch') calls.push(topkBatchThresholdCall(device, { pre: b.pre, acts: b.acts, sel: b.sel, threshold: b.threshold, deadInfo: b.deadInfo }, n, dSae, c.k, c.thresholdRate));
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
    const flush = this.pending.length + 1 === c.metricsEvery;
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
    this.write(this.p.b_dec, s.params.b_dec);
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
      enc.copyBufferToBuffer(b.norms, 0, slot.buffer, off, c.dSae * 4);
      enc.copyBufferToBuffer(b.fireCount, 0, slot.buffer, off + c.dSae * 4, c.dSae * 4);
      enc.clearBuffer(b.fireCount);
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
      this.latestHist = { step: rows[rows.length - 1].step + 1, densityLog10: densityHistogram(fires, histTokens), decoderNorm: histogram(norms, NORM_BINS) };
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

  private async readSet(set: Record<ParamName, GPUBuffer>): Promise<ParamSet> {
    const out: Partial<ParamSet> = {};
    for (const name of PARAM_NAMES) out[name] = await this.readF32(set[name], paramLength(this.config, name));
    return out as ParamSet;
  }

  /** The state as it is on the GPU now, without waiting for metrics (used during initialisation). */
  private async saveStateRaw(): Promise<SaeState> {
    const { b, config: c } = this;
    return {
      config: { ...c },
      ...this.host,
      params: await this.readSet(this.p),
      adamM: await this.readSet(this.m),
      adamV: await this.readSet(this.v),
      sinceFired: await this.readU32(b.sinceFired, c.dSae),
      fireCount: await this.readU32(b.fireCount, c.dSae),
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
      this.write(this.p[name], s.params[name]);
      this.write(this.m[name], s.adamM[name]);
      this.write(this.v[name], s.adamV[name]);
    }
    this.write(this.b.sinceFired, s.sinceFired);
    this.write(this.b.fireCount, s.fireCount);
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
    const p = await this.readSet(this.p);
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
    const dead: number[] = [];
    for (let j = 0; j < dSae; j++) if (state.sinceFired[j] >= c.deadFeatureWindow) dead.push(j);
    if (dead.length === 0) return;
    const partials = await this.readF32(this.b.partials, this.n * 4);
    const xs = await this.readF32(this.b.x, this.n * dIn);
    const weights = Array.from({ length: this.n }, (_, r) => partials[r * 4] ** 2);
    const total = weights.reduce((a, w) => a + w, 0);
    if (!(total > 0)) return;
    let aliveNorm = 0;
    let alive = 0;
    for (let j = 0; j < dSae; j++) {
      if (state.sinceFired[j] >= c.deadFeatureWindow) continue;
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

function histogram(values: ArrayLike<number>, bins: number): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  if (!(hi > lo)) hi = lo + 1;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor(((values[i] - lo) / (hi - lo)) * bins))]++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins), counts };
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
