// The unembedding W_U [d_model, vocab] read from a decoder's own ONNX initializers: the weight of
// the MatMul/Gemm that produces `logits`, followed back through Identity/Cast/Transpose, so tied
// embeddings (lm_head = wteᵀ, exported as Transpose(wte) or Gemm transB) are found too.
import { halfToFloat } from '../lm/half';
import { DataType, toNumber, type GraphProto, type NodeProto, type TensorProto } from '../lm/onnx/proto';
import type { ExternalDataFile } from '../lm/session';
import { decodeModelBytes } from '../lm/surgery';

export class UnembeddingError extends Error {
  readonly code = 'no-unembedding';
  constructor(message: string) {
    super(message);
    this.name = 'UnembeddingError';
  }
}

export interface Unembedding {
  /** [dModel, vocab] row-major f32. */
  W_U: Float32Array;
  dModel: number;
  vocab: number;
  /** The initializer it came from, and whether it is stored [vocab, dModel] (tied to the embedding). */
  source: string;
  transposed: boolean;
}

/** An initializer's values as f32 (float32 or float16; raw, typed or external data). */
function tensorValues(t: TensorProto, external: ExternalDataFile[]): Float32Array {
  const n = t.dims.reduce((a: number, d) => a * toNumber(d), 1);
  let bytes: Uint8Array | undefined = t.rawData?.byteLength ? t.rawData : undefined;
  if (t.dataLocation === 1) {
    const entry = (key: string) => t.externalData?.find((e) => e.key === key)?.value;
    const file = external.find((f) => f.path === entry('location'));
    if (!file) throw new UnembeddingError(`The unembedding ${t.name} lives in external data "${entry('location')}", which was not loaded.`);
    const offset = Number(entry('offset') ?? 0);
    bytes = file.data.subarray(offset, offset + Number(entry('length') ?? file.data.byteLength - offset));
  }
  // A copy: protobufjs hands out views into its decode buffer (Node Buffers, whose slice() is a view too).
  const own = bytes && new Uint8Array(bytes);
  if (t.dataType === DataType.FLOAT) {
    if (own) return new Float32Array(own.buffer, 0, n);
    if (t.floatData?.length === n) return Float32Array.from(t.floatData);
  }
  if (t.dataType === DataType.FLOAT16) {
    if (own) return Float32Array.from(new Uint16Array(own.buffer, 0, n), halfToFloat);
    if (t.int32Data?.length === n) return Float32Array.from(t.int32Data, halfToFloat);
  }
  throw new UnembeddingError(`The unembedding ${t.name} has data type ${t.dataType} or no data; only float32 and float16 weights are read.`);
}

/** [rows, cols] → [cols, rows]. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

/** The initializer behind `name` through Identity/Cast/Transpose, and how many transposes it passed. */
function traceWeight(graph: GraphProto, name: string): { tensor: TensorProto; transposes: number } | undefined {
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const producers = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) producers.set(o, n);
  let transposes = 0;
  for (let cur = name, hops = 0; hops < 8; hops++) {
    const t = inits.get(cur);
    if (t) return { tensor: t, transposes };
    const node = producers.get(cur);
    if (!node || !['Identity', 'Cast', 'Transpose'].includes(node.opType)) return undefined;
    if (node.opType === 'Transpose') transposes++;
    cur = node.input[0];
  }
  return undefined;
}

/**
 * W_U of the model: 1. the node producing `logits` (through Identity/Cast), 2. its weight operand
 * traced to an initializer, 3. oriented [dModel, vocab] by the transposes and Gemm's transB.
 */
export function findUnembedding(onnx: Uint8Array, external: ExternalDataFile[], dModel: number): Unembedding {
  const graph = decodeModelBytes(onnx).graph;
  const producers = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) producers.set(o, n);
  let node = producers.get('logits');
  for (let hops = 0; node && (node.opType === 'Identity' || node.opType === 'Cast') && hops < 8; hops++) node = producers.get(node.input[0]);
  if (!node || (node.opType !== 'MatMul' && node.opType !== 'Gemm')) {
    throw new UnembeddingError(`No unembedding found: "logits" is produced by ${node ? `a ${node.opType} node` : 'no node'}, not by a MatMul or Gemm with a weight.`);
  }
  const traced = traceWeight(graph, node.input[1]);
  if (!traced) throw new UnembeddingError(`No unembedding found: the weight of ${node.name || node.opType} ("${node.input[1]}") is computed, not stored as an initializer.`);
  const { tensor, transposes } = traced;
  const dims = tensor.dims.map(toNumber);
  const transB = node.opType === 'Gemm' && toNumber(node.attribute.find((a) => a.name === 'transB')?.i) === 1;
  const transposed = (transposes + (transB ? 1 : 0)) % 2 === 1;
  if (dims.length !== 2 || dims[transposed ? 1 : 0] !== dModel) {
    throw new UnembeddingError(`The unembedding ${tensor.name} has shape [${dims.join(', ')}]; expected ${transposed ? '[vocab, d_model]' : '[d_model, vocab]'} with d_model ${dModel}.`);
  }
  const vocab = dims[transposed ? 0 : 1];
  const values = tensorValues(tensor, external);
  return { W_U: transposed ? transpose(values, vocab, dModel) : values, dModel, vocab, source: tensor.name, transposed };
}
