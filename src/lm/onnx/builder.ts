// A small ONNX graph builder that names nodes the way torch.onnx.export does
// (`/scope/Op`, `/scope/Op_1`, outputs `<node>_output_<k>`), used by the fixture generator and surgery.
import { DataType, type AttributeProto, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto';

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

export type AttrValue = number | string | number[] | { float: number } | { floats: number[] } | { graph: GraphProto } | TensorProto;

/** Integers become INT/INTS; wrap with `{ float }` / `{ floats }` to force floats. */
export function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: AttrType.INT, i: v } : { name, type: AttrType.FLOAT, f: v };
  }
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if ('float' in v) return { name, type: AttrType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AttrType.FLOATS, floats: v.floats };
  if ('graph' in v) return { name, type: AttrType.GRAPH, g: v.graph };
  return { name, type: AttrType.TENSOR, t: v };
}

export function floatTensor(name: string, dims: number[], data: Float32Array): TensorProto {
  return { name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function int64Tensor(name: string, dims: number[], data: number[]): TensorProto {
  const raw = new BigInt64Array(data.map((x) => BigInt(x)));
  return { name, dims, dataType: DataType.INT64, rawData: new Uint8Array(raw.buffer) };
}

/** A tensor value-info; string dims are symbolic (`batch_size`), numbers fixed. */
export function valueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export interface OpOptions {
  attrs?: Record<string, AttrValue>;
  domain?: string;
  /** Number of outputs (default 1), or their explicit names. */
  outputs?: number | string[];
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly counters = new Map<string, number>();

  /** Adds a node named `${scope}/${opType}[_k]` and returns its output names. */
  op(scope: string, opType: string, inputs: string[], opts: OpOptions = {}): string[] {
    const base = `${scope}/${opType}`;
    const k = this.counters.get(base) ?? 0;
    this.counters.set(base, k + 1);
    const name = k === 0 ? base : `${base}_${k}`;
    const output = Array.isArray(opts.outputs)
      ? opts.outputs
      : Array.from({ length: opts.outputs ?? 1 }, (_, i) => `${name}_output_${i}`);
    const attrs = Object.entries(opts.attrs ?? {}).map(([n, v]) => attribute(n, v));
    this.nodes.push({ name, opType, input: inputs, output, attribute: attrs, domain: opts.domain ?? '' });
    return output;
  }

  /** Single-output shorthand for `op`. */
  op1(scope: string, opType: string, inputs: string[], opts: OpOptions = {}): string {
    return this.op(scope, opType, inputs, opts)[0];
  }

  /** A scalar or 1-D constant, emitted as a `Constant` node like torch does. */
  constFloat(scope: string, values: number[], dims: number[] = []): string {
    return this.op1(scope, 'Constant', [], { attrs: { value: floatTensor('', dims, new Float32Array(values)) } });
  }

  constInt64(scope: string, values: number[], dims: number[] = [values.length]): string {
    return this.op1(scope, 'Constant', [], { attrs: { value: int64Tensor('', dims, values) } });
  }

  weight(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push(floatTensor(name, dims, data));
    return name;
  }
}
