// Memory a language model needs at a batch and context: its weights (the ONNX files' bytes), the KV
// cache its `present.*` outputs hold, and the activations of one forward pass, checked against the
// device's buffer limits and the 4 GiB a wasm32 ONNX Runtime heap can address. Pure arithmetic,
// used on the Models page before a download and on the extraction form before an extraction.
import type { ModelSummary } from './config';

/** A wasm32 heap addresses at most 4 GiB; ONNX Runtime Web parses the graph and its weights there. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

export type ModelShape = Pick<ModelSummary, 'nLayers' | 'dModel' | 'nHeads' | 'nKvHeads' | 'dHead' | 'dMlp' | 'vocabSize'>;

export interface ModelMemoryInput {
  shape: ModelShape;
  /** Bytes of the ONNX graph and its external data. */
  weightBytes: number;
  /** Bytes per activation element: 2 for fp16 graphs, 4 otherwise (quantized graphs compute in f32). */
  elementBytes: 2 | 4;
  /** Contexts per forward pass. */
  batch: number;
  /** Tokens per context. */
  context: number;
}

export interface MemoryCheck {
  /** What is compared, in words. */
  what: string;
  /** The device limit's name (e.g. maxStorageBufferBindingSize) or "wasm heap". */
  limit: string;
  bytes: number;
  allowed: number;
  ok: boolean;
}

export interface ModelMemoryEstimate {
  weightBytes: number;
  /** K and V of every layer: 2 · nLayers · batch · nKvHeads · context · dHead elements. */
  kvCacheBytes: number;
  /** Peak of one forward pass: a block's working tensors, the logits, and the hook output copied out (f32). */
  activationBytes: number;
  totalBytes: number;
  /** The largest single tensor: the logits, attention scores, the MLP hidden state or the embedding matrix. */
  largestTensorBytes: number;
  checks: MemoryCheck[];
  fits: boolean;
}

/** Element size of a variant's activations: fp16 graphs compute in half precision, every other variant in f32. */
export function elementBytesOf(dtype: string | undefined): 2 | 4 {
  return dtype === 'fp16' || dtype === 'q4f16' || dtype === 'float16' ? 2 : 4;
}

/**
 * The estimate; `limits` are the adapter's (GPUSupportedLimits by name) when WebGPU runs the model,
 * undefined for the WASM backend alone.
 */
export function estimateModelMemory(input: ModelMemoryInput, limits?: Record<string, number>): ModelMemoryEstimate {
  const { shape: s, weightBytes, elementBytes: e, batch: B, context: T } = input;
  const tokens = B * T;
  // 1. KV cache: the present.{i}.key/value outputs, [B, nKvHeads, T, dHead] each.
  const kvCacheBytes = 2 * s.nLayers * B * s.nKvHeads * T * s.dHead * e;
  // 2. One block's live tensors: residual, normed input, q/k/v, attention output ([B, T, d] each, q
  //    and k/v by their own widths), the attention scores [B, H, T, T] and the MLP hidden state
  //    [B, T, dMlp] (two of them for gated MLPs; counted twice to cover both).
  const attnScores = B * s.nHeads * T * T * e;
  const mlpHidden = tokens * s.dMlp * e;
  const block = tokens * (3 * s.dModel + s.nHeads * s.dHead + 2 * s.nKvHeads * s.dHead) * e + attnScores + 2 * mlpHidden;
  // 3. The logits [B, T, vocab] and the exposed hook, copied out as f32 [B, T, d].
  const logits = tokens * s.vocabSize * e;
  const hookOut = tokens * s.dModel * 4;
  const activationBytes = block + logits + hookOut;
  const totalBytes = weightBytes + kvCacheBytes + activationBytes;
  const embedding = s.vocabSize * s.dModel * e;
  const largestTensorBytes = Math.max(logits, attnScores, mlpHidden, embedding);

  const checks: MemoryCheck[] = [
    { what: 'weights, KV cache and activations', limit: 'wasm heap', bytes: totalBytes, allowed: WASM_HEAP_BYTES, ok: totalBytes <= WASM_HEAP_BYTES },
  ];
  for (const limit of ['maxStorageBufferBindingSize', 'maxBufferSize'] as const) {
    const allowed = limits?.[limit];
    if (allowed !== undefined) checks.push({ what: 'largest tensor', limit, bytes: largestTensorBytes, allowed, ok: largestTensorBytes <= allowed });
  }
  return { weightBytes, kvCacheBytes, activationBytes, totalBytes, largestTensorBytes, checks, fits: checks.every((c) => c.ok) };
}

/** The first failed check in words ("… over the device's maxStorageBufferBindingSize …"), or undefined when everything fits. */
export function memoryProblem(est: ModelMemoryEstimate, format: (bytes: number) => string): string | undefined {
  const c = est.checks.find((x) => !x.ok);
  if (!c) return undefined;
  const where = c.limit === 'wasm heap' ? 'the 4 GiB an ONNX Runtime Web (wasm32) heap can address' : `this device's ${c.limit}`;
  return `The ${c.what} need ${format(c.bytes)}, over ${where} (${format(c.allowed)}): use a smaller batch or context, or a smaller variant.`;
}
