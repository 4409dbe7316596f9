// ONNX Runtime sessions for (hooked) decoder models: WebGPU first with a WASM fallback, external
// weights, shader warm-up reported as a phase, and the Optimum feed layout for one forward pass.
import * as ort from 'onnxruntime-web/webgpu';
import { LmError } from './errors';
import { floatToHalf } from './half';
import type { ModelSignature } from './surgery';

export { ort };

export type Backend = 'webgpu' | 'wasm';
export type SessionPhase = 'creating' | 'compiling-shaders' | 'ready';

export interface ExternalDataFile {
  /** As the model references it, e.g. `model.onnx_data`. */
  path: string;
  data: Uint8Array;
}

export interface SessionOptions {
  /** Tried in order; default ['webgpu', 'wasm']. */
  backends?: Backend[];
  externalData?: ExternalDataFile[];
  /** Refuse models whose bytes (graph + external data) exceed this. */
  maxBytes?: number;
  /** Residual width: sizes the zero hook inputs of the one-token WebGPU warm-up that compiles shaders up front. */
  dModel?: number;
  onPhase?: (phase: SessionPhase, backend?: Backend) => void;
  /**
   * Default 'basic'. ORT's extended fusions (a branch bias folded into SkipLayerNormalization, …)
   * apply or not depending on which tensors a hook touches, so above 'basic' a zero steer or an
   * exposed hook can change logits in the last bits. 'basic' keeps hooked and unmodified graphs
   * computing the same arithmetic.
   */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** Past keys/values by input name (`past_key_values.{i}.key|value`), [batch, nKv, past, headDim]. */
export type KvCache = Record<string, ort.Tensor>;

export interface ForwardInput {
  /** [batch, seq] row-major */
  inputIds: ArrayLike<number>;
  batch: number;
  /** [batch, past + seq]; default all ones. */
  attentionMask?: ArrayLike<number>;
  /** [batch, seq]; default past..past+seq−1. */
  positionIds?: ArrayLike<number>;
  past?: KvCache;
  /** Steer/splice inputs and anything else the hooked graph requires. */
  extra?: Record<string, ort.Tensor>;
}

function int64(data: ArrayLike<number>, dims: number[]): ort.Tensor {
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = BigInt(data[i]);
  return new ort.Tensor('int64', out, dims);
}

export class LmSession {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly backend: Backend,
    readonly signature: ModelSignature,
  ) {}

  static async create(bytes: Uint8Array, signature: ModelSignature, opts: SessionOptions = {}): Promise<LmSession> {
    const external = opts.externalData ?? [];
    const total = bytes.byteLength + external.reduce((s, f) => s + f.data.byteLength, 0);
    if (opts.maxBytes !== undefined && total > opts.maxBytes) {
      throw new LmError('MODEL_TOO_LARGE', `The model needs ${total} bytes, over the ${opts.maxBytes}-byte memory limit`, {
        bytes: total,
        maxBytes: opts.maxBytes,
      });
    }
    const hasGpu = typeof navigator !== 'undefined' && 'gpu' in navigator && !!navigator.gpu;
    const backends = (opts.backends ?? ['webgpu', 'wasm']).filter((b) => b !== 'webgpu' || hasGpu);
    const failures: Record<string, string> = {};
    for (const backend of backends) {
      opts.onPhase?.('creating', backend);
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(bytes, {
          executionProviders: [backend],
          externalData: external.map((f) => ({ path: f.path, data: f.data })),
          graphOptimizationLevel: opts.graphOptimizationLevel ?? 'basic',
        });
      } catch (e) {
        failures[backend] = (e as Error).message;
        continue;
      }
      const lm = new LmSession(session, backend, signature);
      if (backend === 'webgpu') {
        // A WebGPU session can build and still fail to run (adapter limits, driver): fall back then.
        opts.onPhase?.('compiling-shaders', backend);
        try {
          await lm.warmUp(opts.dModel);
        } catch (e) {
          failures[backend] = (e as Error).message;
          await lm.release();
          continue;
        }
      }
      opts.onPhase?.('ready', backend);
      return lm;
    }
    const why = Object.entries(failures).map(([b, m]) => `${b}: ${m}`).join('; ');
    throw new LmError('SESSION_FAILED', `Could not create an inference session (${why || 'no backend available'})`, {
      failures,
    });
  }

  /** Zero cache of length 0 for a batch, for every `past_key_values.*` input the graph has. */
  emptyCache(batch: number): KvCache {
    const kv = this.signature.kv;
    const cache: KvCache = {};
    if (!kv) return cache;
    const dims = [batch, kv.nKvHeads, 0, kv.headDim];
    for (const name of this.signature.inputs) {
      if (!name.startsWith('past_key_values.')) continue;
      cache[name] = kv.dtype === 'float16' ? new ort.Tensor('float16', new Uint16Array(0), dims) : new ort.Tensor('float32', new Float32Array(0), dims);
    }
    return cache;
  }

  /** One forward pass; returns every graph output (logits, present.*, exposed hooks). */
  async forward(input: ForwardInput): Promise<Record<string, ort.Tensor>> {
    const { batch } = input;
    const seq = input.inputIds.length / batch;
    const past = input.past ?? this.emptyCache(batch);
    const pastLen = Number(past['past_key_values.0.key']?.dims[2] ?? 0);
    const total = pastLen + seq;
    const feeds: Record<string, ort.Tensor> = { ...input.extra, input_ids: int64(input.inputIds, [batch, seq]) };
    const inputs = new Set(this.signature.inputs);
    if (inputs.has('attention_mask')) {
      feeds.attention_mask = int64(input.attentionMask ?? new Array<number>(batch * total).fill(1), [batch, total]);
    }
    if (inputs.has('position_ids')) {
      let pos = input.positionIds;
      if (!pos) {
        const p = new Int32Array(batch * seq);
        for (let i = 0; i < p.length; i++) p[i] = pastLen + (i % seq);
        pos = p;
      }
      feeds.position_ids = int64(pos, [batch, seq]);
    }
    for (const name of this.signature.inputs) if (name.startsWith('past_key_values.')) feeds[name] = past[name];
    try {
      return await this.session.run(feeds);
    } catch (e) {
      throw new LmError('BAD_INPUT', `Forward pass failed: ${(e as Error).message}`, { cause: (e as Error).message });
    }
  }

  /** The next cache from a forward's `present.*` outputs. */
  cacheFrom(outputs: Record<string, ort.Tensor>): KvCache {
    const cache: KvCache = {};
    for (const name of this.signature.inputs) {
      if (name.startsWith('past_key_values.')) cache[name] = outputs[name.replace('past_key_values.', 'present.')];
    }
    return cache;
  }

  /** A tensor in the residual stream's type (f32 data converted for fp16 models), for steer/splice/clamp feeds. */
  streamTensor(data: Float32Array, dims: number[]): ort.Tensor {
    if (this.signature.dtype === 'float16') return new ort.Tensor('float16', Uint16Array.from(data, floatToHalf), dims);
    return new ort.Tensor('float32', data, dims);
  }

  /**
   * One token through every hook input at zero (one clamped feature; a TopK clamp's row at latent 0),
   * so WebGPU compiles its shaders now. Skipped for a hooked graph when the residual
   * width is unknown.
   */
  private async warmUp(dModel?: number) {
    const hooked = this.signature.inputs.some((n) => /^(steer|splice|clamp)\./.test(n));
    if (hooked && !dModel) return;
    const d = dModel ?? 0;
    const shapes: [RegExp, number[]][] = [
      [/^(steer|splice)\./, [1, 1, d]],
      [/^clamp\..*\.encoder$/, [d, 1]],
      [/^clamp\..*\.decoder$/, [1, d]],
      [/^clamp\..*\.b_dec$/, [d]],
      [/^clamp\..*\.(b_enc|value|threshold|ranked)$/, [1]],
    ];
    const extra: Record<string, ort.Tensor> = {};
    for (const name of this.signature.inputs) {
      const dims = shapes.find(([re]) => re.test(name))?.[1];
      if (dims) extra[name] = this.streamTensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
      // A TopK clamp's clamped latent.
      else if (/^clamp\..*\.latent$/.test(name)) extra[name] = int64([0], [1]);
    }
    await this.forward({ inputIds: [0], batch: 1, extra });
  }

  async release() {
    await this.session.release();
  }
}
