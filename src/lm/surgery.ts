// Hooks by graph surgery: finds TransformerLens hook points in an exported decoder by walking its
// residual Add chain (plain `Add` or ORT's fused Skip*Normalization output #3, through no-op Cast and
// Identity nodes), then rewrites the graph to expose, steer (`x + steer`) or splice (replace) them.
// Only nodes, inputs and outputs change.
import { LmError } from './errors';
import { floatToHalf } from './half';
import { HOOK_KINDS, parseHook, type HookPoint } from './hooks';
import { DataType, decodeModel, encodeModel, toNumber, type GraphProto, type ModelProto, type NodeProto, type ValueInfoProto } from './onnx/proto';

const SKIP_OPS = new Set(['SkipLayerNormalization', 'SkipSimplifiedLayerNormalization']);

/** One residual addition `sum = residual + branch`. */
export interface ResidualSite {
  node: NodeProto;
  /** An ORT Skip*Normalization node: the sum is output #3, the norm of it output #0. */
  fused: boolean;
  /** Input index of the residual-stream operand. */
  residualIndex: number;
  /** Input index of the attention/MLP branch operand. */
  branchIndex: number;
}

export interface ResidualChain {
  /** Two sites per block: [attn, mlp] × nLayers, in graph order. */
  sites: ResidualSite[];
  /** blocks.0.hook_resid_pre: the embedding output. */
  embed: string;
  /** ONNX elem type of the residual stream (FLOAT or FLOAT16). */
  elemType: number;
}

function isSkip(n: NodeProto): boolean {
  return SKIP_OPS.has(n.opType) && n.domain === 'com.microsoft';
}

/** Fused attention kernels of ORT's contrib domain. */
const ATTENTION_OPS = new Set(['Attention', 'MultiHeadAttention', 'GroupQueryAttention', 'PackedMultiHeadAttention', 'SparseAttention']);

class GraphIndex {
  private readonly producers = new Map<string, NodeProto>();
  private readonly declared = new Map<string, number>();
  private readonly types = new Map<string, number | undefined>();
  /** Tensors computed from a runtime graph input (not only from weights and constants). */
  private readonly dynamic = new Set<string>();

  constructor(readonly graph: GraphProto) {
    for (const n of graph.node) for (const o of n.output) if (o) this.producers.set(o, n);
    for (const t of graph.initializer) this.declared.set(t.name, t.dataType);
    for (const v of [...graph.valueInfo, ...graph.input, ...graph.output]) {
      const e = v.type?.tensorType?.elemType;
      if (e) this.declared.set(v.name, e);
    }
    const weights = new Set(graph.initializer.map((t) => t.name));
    for (const i of graph.input) if (!weights.has(i.name)) this.dynamic.add(i.name);
    for (const n of graph.node) {
      if (n.input.some((i) => this.dynamic.has(i))) for (const o of n.output) if (o) this.dynamic.add(o);
    }
  }

  producer(tensor: string): NodeProto | undefined {
    return this.producers.get(tensor);
  }

  /**
   * ONNX element type of a tensor: declared, or the `to` of its Cast, or (for ops whose output type
   * follows their float inputs) the first float type among its inputs. Undefined when nothing says.
   */
  elemType(tensor: string): number | undefined {
    if (this.declared.has(tensor)) return this.declared.get(tensor);
    if (this.types.has(tensor)) return this.types.get(tensor);
    this.types.set(tensor, undefined);
    const p = this.producers.get(tensor);
    let t: number | undefined;
    if (p?.opType === 'Cast') t = intAttr(p, 'to');
    else if (p && TYPE_FOLLOWS_INPUT.has(p.opType)) {
      for (const i of p.input) {
        const e = i ? this.elemType(i) : undefined;
        if (e !== undefined && FLOAT_TYPES.has(e)) {
          t = e;
          break;
        }
      }
    }
    this.types.set(tensor, t);
    return t;
  }

  /** The node's output passes its input through unchanged: Identity, Dropout in inference, a Cast to the type it has. */
  isNoOp(n: NodeProto): boolean {
    if (n.domain || !n.input[0]) return false;
    if (n.opType === 'Identity' || n.opType === 'Dropout') return true;
    if (n.opType !== 'Cast') return false;
    const from = this.elemType(n.input[0]);
    return from !== undefined && from === intAttr(n, 'to');
  }

  /** The tensor a no-op chain ending at `tensor` starts from, and every tensor along it. */
  throughNoOps(tensor: string): { source: string; path: string[] } {
    const path = [tensor];
    let p = this.producers.get(tensor);
    while (p && this.isNoOp(p)) {
      path.push(p.input[0]);
      p = this.producers.get(p.input[0]);
    }
    return { source: path[path.length - 1], path };
  }

  /**
   * The nearest attention node upstream of `tensor` without crossing `stops` or entering a node in
   * `walls`: a contrib attention kernel, or a matrix product (MatMul, Einsum, their quantized forms)
   * of two runtime tensors (Q·Kᵀ, P·V). Weight products (x·W, quantized or not) have one.
   */
  attentionUpstream(tensor: string, stops: Set<string>, walls: Set<NodeProto>): NodeProto | undefined {
    const seen = new Set<string>();
    const stack = [tensor];
    while (stack.length) {
      const t = stack.pop()!;
      if (seen.has(t) || stops.has(t)) continue;
      seen.add(t);
      const p = this.producers.get(t);
      if (!p || walls.has(p)) continue;
      if (ATTENTION_OPS.has(p.opType) && p.domain === 'com.microsoft') return p;
      const operands = MATMUL_OPERANDS[p.opType]?.map((k) => p.input[k]) ?? (p.opType === 'Einsum' ? p.input : []);
      if (operands.filter((i) => i && this.dynamic.has(i)).length >= 2) return p;
      for (const i of p.input) if (i) stack.push(i);
    }
    return undefined;
  }

  /**
   * True when `tensor` is computed from `ancestor` (or is it). A node's outputs count as computed
   * together: a fused norm's output #0 is derived from its sum output #3.
   */
  dependsOn(tensor: string, ancestor: string): boolean {
    const seen = new Set<string>();
    const stack = [tensor];
    while (stack.length) {
      const t = stack.pop()!;
      if (t === ancestor) return true;
      if (seen.has(t)) continue;
      seen.add(t);
      const p = this.producers.get(t);
      if (!p) continue;
      if (p.output.includes(ancestor)) return true;
      for (const i of p.input) if (i && !seen.has(i)) stack.push(i);
    }
    return false;
  }

  /** A residual site is an addition whose one operand feeds the other: x + f(x), x possibly behind no-op nodes. */
  classify(n: NodeProto): ResidualSite | undefined {
    const fused = isSkip(n);
    if (!fused && !(n.opType === 'Add' && !n.domain)) return undefined;
    const [a, b] = n.input;
    if (!a || !b) return undefined;
    if (this.dependsOn(b, this.throughNoOps(a).source)) return { node: n, fused, residualIndex: 0, branchIndex: 1 };
    if (this.dependsOn(a, this.throughNoOps(b).source)) return { node: n, fused, residualIndex: 1, branchIndex: 0 };
    return undefined;
  }
}

/** Input indices of the two matrices of matrix products, plain, quantized and contrib. */
const MATMUL_OPERANDS: Record<string, number[]> = {
  MatMul: [0, 1],
  MatMulInteger: [0, 1],
  FusedMatMul: [0, 1],
  MatMulIntegerToFloat: [0, 1],
  DynamicQuantizeMatMul: [0, 1],
  QLinearMatMul: [0, 3],
};

/** Ops whose output element type is that of their float inputs. */
const TYPE_FOLLOWS_INPUT = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Neg', 'Relu', 'Tanh', 'Sigmoid', 'Erf', 'Softmax', 'ReduceMean', 'Where',
  'Identity', 'Dropout', 'Gather', 'MatMul', 'Reshape', 'Transpose', 'Concat', 'Expand', 'Unsqueeze', 'Squeeze', 'Slice', 'Split',
  'LayerNormalization', 'SimplifiedLayerNormalization', 'SkipLayerNormalization', 'SkipSimplifiedLayerNormalization',
]);

/** FLOAT, FLOAT16, DOUBLE, BFLOAT16. */
const FLOAT_TYPES = new Set<number>([1, 10, 11, 16]);

function intAttr(n: NodeProto, name: string): number | undefined {
  const a = n.attribute.find((x) => x.name === name);
  return a?.i === undefined ? undefined : toNumber(a.i);
}

function unsupported(pattern: string, details: Record<string, unknown> = {}): LmError {
  return new LmError('UNSUPPORTED_GRAPH', `Unsupported model graph: ${pattern} was not found`, { pattern, ...details });
}

/** The tensor holding a site's sum; gives a fused node an output #3 if ORT had dropped it. */
function sumTensor(site: ResidualSite): string {
  const n = site.node;
  if (!site.fused) return n.output[0];
  while (n.output.length < 4) n.output.push('');
  if (!n.output[3]) n.output[3] = `${n.name || n.output[0]}/lantern_residual_sum`;
  return n.output[3];
}

/**
 * Walks the residual stream from `logits` back to the embeddings: the nearest residual site
 * upstream of the logits closes the last block, and each site's residual operand is the previous
 * site's sum, possibly behind no-op nodes (torch's Cast for RMSNorm's `.to(float32)`, Identity).
 * Branches are never entered, so adds inside activations (x + 0.044715·x³) are ignored. A chain
 * that stops short of the embeddings, or blocks that are not attention-then-MLP, are refused.
 */
export function locateResidualChain(graph: GraphProto): ResidualChain {
  const index = new GraphIndex(graph);
  const logitsInfo = graph.output.find((o) => o.name === 'logits');
  if (!logitsInfo) throw unsupported('a graph output named "logits"', { outputs: graph.output.map((o) => o.name) });
  // 1. Breadth-first from logits to the first residual site.
  let last: ResidualSite | undefined;
  const queue = [index.producer('logits')];
  const seen = new Set<NodeProto>();
  while (queue.length && !last) {
    const n = queue.shift();
    if (!n || seen.has(n)) continue;
    seen.add(n);
    last = index.classify(n);
    for (const i of n.input) queue.push(index.producer(i));
  }
  if (!last) throw unsupported('a residual Add (or SkipLayerNormalization) upstream of "logits"');
  // 2. Follow residual operands back, through no-op nodes, while they are sums of earlier sites.
  const sites = [last];
  const onStream = new Set<string>();
  let embed: string;
  for (;;) {
    const { source, path } = index.throughNoOps(sites[0].node.input[sites[0].residualIndex]);
    for (const t of path) onStream.add(t);
    const p = index.producer(source);
    const site = p ? index.classify(p) : undefined;
    const isSum = site && (site.fused ? p!.output[3] === source : p!.output[0] === source);
    if (!site || !isSum) {
      embed = source;
      break;
    }
    sites.unshift(site);
  }
  for (const s of sites) if (!s.fused) onStream.add(s.node.output[0]);
  const sitesByNode = new Set(sites.map((s) => s.node));
  // 3. The stream must start at the embeddings: nothing upstream of them attends.
  const early = index.attentionUpstream(embed, new Set(), new Set());
  if (early) {
    const p = index.producer(embed);
    throw unsupported('a residual chain reaching back to the embeddings', {
      residualAdds: sites.length,
      stoppedAt: embed,
      stoppedAtOp: p ? `${p.opType}${p.opType === 'Cast' ? ` to ${intAttr(p, 'to')}` : ''}` : 'graph input',
    });
  }
  if (sites.length % 2 !== 0) {
    throw unsupported('a residual chain with two additions per block (attention, MLP)', { residualAdds: sites.length });
  }
  // 4. Blocks are sequential: attention feeds the first addition, an attention-free MLP the second.
  for (let i = 0; i < sites.length; i++) {
    const s = sites[i];
    const found = index.attentionUpstream(s.node.input[s.branchIndex], onStream, sitesByNode);
    const block = Math.floor(i / 2);
    if (i % 2 === 0 && !found) {
      throw unsupported(`an attention branch feeding block ${block}'s first residual addition`, { node: s.node.name, residualAdds: sites.length });
    }
    if (i % 2 === 1 && found) {
      throw unsupported(
        `an attention-free MLP branch feeding block ${block}'s second residual addition (parallel attention/MLP blocks, as in GPT-J or GPT-NeoX, are not supported)`,
        { node: s.node.name, attention: found.name, residualAdds: sites.length },
      );
    }
  }
  const elemType = index.elemType(embed) ?? logitsInfo.type?.tensorType?.elemType ?? DataType.FLOAT;
  return { sites, embed, elemType };
}

/** A session's I/O as the decoder loop needs it. */
export interface ModelSignature {
  inputs: string[];
  outputs: string[];
  /** KV cache layout from `past_key_values.{i}.key` [batch, nKvHeads, past, headDim]; null without a cache. nLayers counts the cache inputs present. */
  kv: { nLayers: number; nKvHeads: number; headDim: number; dtype: 'float32' | 'float16' } | null;
  /** Element type of the residual stream: hook outputs and steer/splice/clamp inputs use it. */
  dtype: 'float32' | 'float16';
}

function dtypeName(elemType: number | undefined): 'float32' | 'float16' {
  return elemType === DataType.FLOAT16 ? 'float16' : 'float32';
}

export function signatureOf(graph: GraphProto, chain: ResidualChain): ModelSignature {
  const inits = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !inits.has(i.name));
  const past = inputs.filter((i) => /^past_key_values\.\d+\.key$/.test(i.name));
  let kv: ModelSignature['kv'] = null;
  if (past.length) {
    const t = inputs.find((i) => i.name === 'past_key_values.0.key')?.type?.tensorType;
    const dims = t?.shape?.dim ?? [];
    const nKvHeads = toNumber(dims[1]?.dimValue);
    const headDim = toNumber(dims[3]?.dimValue);
    if (!nKvHeads || !headDim) throw unsupported('fixed head dimensions on past_key_values.0.key', { dims });
    kv = { nLayers: past.length, nKvHeads, headDim, dtype: dtypeName(t?.elemType) };
  }
  return { inputs: inputs.map((i) => i.name), outputs: graph.output.map((o) => o.name), kv, dtype: dtypeName(chain.elemType) };
}

export interface SurgeryPlan {
  /** Hook points to expose as graph outputs named after the hook. */
  expose?: string[];
  /** Hook points to steer: `x + steer` with a required float input `steer.<hook>`, [batch, seq, d] or [d]. */
  steer?: string[];
  /** Hook points to replace with a required input `splice.<hook>`, [batch, seq, d]. */
  splice?: string[];
  /**
   * Hook points where SAE features are clamped to fixed activations:
   * x' = x + (value − a_f(x))·W_dec[f] for each clamped f, with pre_f = (x − b_dec)·W_enc[:, f] + b_enc[f].
   */
  clamp?: string[];
  /**
   * How the clamp reads a_f from pre_f (default 'relu'):
   * - 'relu': relu(pre_f);
   * - 'jumprelu': pre_f·[pre_f > θ_f], θ from the `threshold` input (θ = 0 is ReLU);
   * - 'topk': as 'jumprelu', and a row marked in `ranked` counts only where its latent is among the
   *   k largest pre-activations of all the SAE's latents at that position (ties at the k-th kept),
   *   ranked with the TopK SAE's encoder (ReLU after the top k), which `hookModel` takes as
   *   `RankWeights` and writes into the graph as constants.
   */
  clampActivation?: ClampActivation;
  /**
   * Keep only the exposed hooks as outputs and drop every node, input and initializer they do not
   * need (logits, the KV cache, later blocks): the extraction graph.
   */
  pruneToHooks?: boolean;
}

/** Input names for clamping k features at a hook; shapes in the field docs. */
export interface ClampInputs {
  /** [d, k]: the clamped features' encoder columns */
  encoder: string;
  /** [k, d]: their decoder rows */
  decoder: string;
  /** [k] */
  bEnc: string;
  /** [d] */
  bDec: string;
  /** [k]: target activations */
  value: string;
  /** [k]: each feature's threshold θ_f ('jumprelu' and 'topk' only) */
  threshold?: string;
  /** Which rows are ranked among all d_sae latents ('topk' only; the ranking itself is in the graph). */
  rank?: {
    /** int64 [k_clamped]: each clamped feature's latent index (any index for an unranked row) */
    latent: string;
    /** [k_clamped]: 1 for a row that must be in the top k, 0 for one that need not (a cap) */
    ranked: string;
  };
}

/**
 * A TopK SAE's ranking of all its latents, for a 'topk' clamp: graph constants (initializers), not
 * inputs, so the runtime keeps them in place and prepacks the MatMul instead of copying W_enc every token.
 */
export interface RankWeights {
  /** [d, d_sae]: the whole W_enc */
  encoder: Float32Array;
  /** [d_sae]: the whole b_enc */
  bEnc: Float32Array;
  /** latents kept per position, 1 ≤ k ≤ d_sae */
  k: number;
}

/** Initializer names of a 'topk' clamp's ranking. */
interface RankConstants {
  encoder: string;
  bEnc: string;
  k: string;
}

export const CLAMP_ACTIVATIONS = ['relu', 'jumprelu', 'topk'] as const;
export type ClampActivation = (typeof CLAMP_ACTIVATIONS)[number];

/** AttributeProto.AttributeType INT. */
const ATTRIBUTE_INT = 2;

function clampInputNames(hook: string, activation: ClampActivation): ClampInputs {
  const p = `clamp.${hook}`;
  const names: ClampInputs = { encoder: `${p}.encoder`, decoder: `${p}.decoder`, bEnc: `${p}.b_enc`, bDec: `${p}.b_dec`, value: `${p}.value` };
  if (activation !== 'relu') names.threshold = `${p}.threshold`;
  if (activation === 'topk') {
    names.rank = { latent: `${p}.latent`, ranked: `${p}.ranked` };
  }
  return names;
}

export interface SurgeryResult {
  bytes: Uint8Array;
  /** hook → graph output name */
  outputs: Record<string, string>;
  /** hook → steer input name */
  steerInputs: Record<string, string>;
  /** hook → splice input name */
  spliceInputs: Record<string, string>;
  /** hook → the inputs that clamp SAE features there */
  clampInputs: Record<string, ClampInputs>;
  nLayers: number;
  dtype: 'float32' | 'float16';
  signature: ModelSignature;
}

export function decodeModelBytes(bytes: Uint8Array): ModelProto {
  try {
    const model = decodeModel(bytes);
    if (!model.graph.node.length) throw new Error('graph has no nodes');
    return model;
  } catch (e) {
    throw new LmError('INVALID_MODEL', `The ONNX file is truncated or corrupt (${(e as Error).message})`, {
      bytes: bytes.byteLength,
      cause: (e as Error).message,
    });
  }
}

/**
 * Optimum's merged decoder (`decoder_model_merged*.onnx`) runs its no-cache or with-cache decoder
 * from one `If` on a bool input `use_cache_branch`. The with-cache branch also serves the first
 * step (with an empty cache, as the session always feeds one), so the graph is reduced to it: its
 * nodes, initializers and value infos replace the If, whose outputs keep their names, and
 * `use_cache_branch` stops being an input. Returns false for any other graph, left as it is.
 */
export function reduceMergedDecoder(graph: GraphProto): boolean {
  const at = graph.node.findIndex((n) => n.opType === 'If' && !n.domain && n.input[0] === 'use_cache_branch');
  if (at < 0) return false;
  const ifNode = graph.node[at];
  const branches = ifNode.attribute.filter((a) => (a.name === 'then_branch' || a.name === 'else_branch') && a.g).map((a) => a.g!);
  const branch = branches.find((g) => (g.node ?? []).some((n) => n.input.some((i) => i.startsWith('past_key_values.'))));
  if (!branch) {
    throw unsupported("a branch of the merged decoder's use_cache_branch If that reads past_key_values", { node: ifNode.name });
  }
  const nodes = [...(branch.node ?? [])];
  // 1. The branch's outputs take the If's output names: its own tensors are renamed, one it passes
  //    through from the outer scope gets an Identity.
  const produced = new Set(nodes.flatMap((n) => n.output));
  const rename = new Map<string, string>();
  (branch.output ?? []).forEach((o, k) => {
    const to = ifNode.output[k];
    if (!to || o.name === to) return;
    if (produced.has(o.name)) rename.set(o.name, to);
    else nodes.push({ name: `/lantern/merged/${to}`, opType: 'Identity', input: [o.name], output: [to], attribute: [], domain: '' });
  });
  for (const n of nodes) {
    n.output = n.output.map((o) => rename.get(o) ?? o);
    n.input = n.input.map((i) => rename.get(i) ?? i);
  }
  graph.node = [...graph.node.slice(0, at), ...nodes, ...graph.node.slice(at + 1)];
  graph.initializer = [...graph.initializer, ...(branch.initializer ?? [])];
  graph.valueInfo = [...graph.valueInfo, ...(branch.valueInfo ?? [])];
  if (!graph.node.some((n) => n.input.includes('use_cache_branch'))) graph.input = graph.input.filter((i) => i.name !== 'use_cache_branch');
  return true;
}

/** A decoder graph ready for the residual walk: decoded, a merged decoder reduced to its with-cache branch. */
function decodeDecoder(bytes: Uint8Array): ModelProto {
  const model = decodeModelBytes(bytes);
  reduceMergedDecoder(model.graph);
  return model;
}

/** Hook points and depth of a model, without modifying it. */
export function inspectModel(bytes: Uint8Array) {
  const graph = decodeDecoder(bytes).graph;
  const chain = locateResidualChain(graph);
  return {
    signature: signatureOf(graph, chain),
    nLayers: chain.sites.length / 2,
    dtype: dtypeName(chain.elemType),
    fused: chain.sites.some((s) => s.fused),
  };
}

/** Where a hook lives: the site whose sum (or branch) it is, or the embedding tensor. */
function siteOf(chain: ResidualChain, h: HookPoint): { site?: ResidualSite; part: 'sum' | 'branch' | 'embed' } {
  const { sites } = chain;
  switch (h.kind) {
    case 'hook_resid_pre':
      return h.layer === 0 ? { part: 'embed' } : { site: sites[2 * h.layer - 1], part: 'sum' };
    case 'hook_attn_out':
      return { site: sites[2 * h.layer], part: 'branch' };
    case 'hook_resid_mid':
      return { site: sites[2 * h.layer], part: 'sum' };
    case 'hook_mlp_out':
      return { site: sites[2 * h.layer + 1], part: 'branch' };
    case 'hook_resid_post':
      return { site: sites[2 * h.layer + 1], part: 'sum' };
  }
}

/** Removes everything the `keep` outputs do not depend on. */
function prune(graph: GraphProto, keep: string[]) {
  if (!keep.length) throw new LmError('BAD_INPUT', 'pruneToHooks needs at least one exposed hook', {});
  const producers = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) if (o) producers.set(o, n);
  const needed = new Set<string>();
  const live = new Set<NodeProto>();
  const stack = [...keep];
  while (stack.length) {
    const t = stack.pop()!;
    if (needed.has(t)) continue;
    needed.add(t);
    const p = producers.get(t);
    if (p && !live.has(p)) {
      live.add(p);
      for (const i of p.input) if (i) stack.push(i);
    }
  }
  graph.node = graph.node.filter((n) => live.has(n));
  graph.output = graph.output.filter((o) => keep.includes(o.name));
  graph.input = graph.input.filter((i) => needed.has(i.name));
  graph.initializer = graph.initializer.filter((t) => needed.has(t.name));
  graph.valueInfo = graph.valueInfo.filter((v) => needed.has(v.name));
}

/** Symbolic shape of a residual-stream tensor. */
const STREAM_DIMS = ['batch_size', 'sequence_length', 'hidden_size'];

/** Residual-stream order; resid_pre(L) is resid_post(L−1) and comes right after it. */
function streamOrder(h: HookPoint): number {
  const k = HOOK_KINDS.indexOf(h.kind);
  return h.kind === 'hook_resid_pre' && h.layer > 0 ? (h.layer - 1) * 5 + 4.5 : h.layer * 5 + k;
}

class Rewriter {
  private counter = 0;

  constructor(
    readonly graph: GraphProto,
    readonly elemType: number,
  ) {}

  /** Inserts `node` right after the producer of `after`, or first for a graph input (keeps topological order). */
  insert(node: NodeProto, after: string) {
    const i = this.graph.node.findIndex((n) => n.output.includes(after));
    this.graph.node.splice(i + 1, 0, node);
  }

  node(opType: string, inputs: string[], output: string): NodeProto {
    return { name: `/lantern/${opType}_${this.counter++}`, opType, input: inputs, output: [output], attribute: [], domain: '' };
  }

  /** Points every consumer of `from` (except nodes `keep` selects) at `to`. */
  rewire(from: string, to: string, keep: (n: NodeProto) => boolean = () => false) {
    for (const n of this.graph.node) {
      if (keep(n)) continue;
      n.input = n.input.map((i) => (i === from ? to : i));
    }
  }

  /** Appends `opType(inputs)` after the producer of its first input; returns the output name. */
  chain(opType: string, inputs: string[], output: string): string {
    this.insert(this.node(opType, inputs, output), inputs[0]);
    return output;
  }

  /** SAE feature clamp on x [.., d]: x + (value − a(pre))·dec with pre = (x − b_dec)·enc + b_enc, a as `c` says. */
  clampNodes(x: string, c: ClampInputs, hook: string, ranking?: RankConstants): string {
    const p = `/lantern/clamp/${hook}`;
    const centred = this.chain('Sub', [x, c.bDec], `${p}/centred`);
    const pre = this.chain('Add', [this.chain('MatMul', [centred, c.encoder], `${p}/proj`), c.bEnc], `${p}/pre`);
    const act = c.threshold ? this.gatedActivation(centred, pre, c, p, ranking) : this.chain('Relu', [pre], `${p}/act`);
    const negAct = this.chain('Neg', [act], `${p}/neg_act`);
    const delta = this.chain('Add', [negAct, c.value], `${p}/delta`);
    const correction = this.chain('MatMul', [delta, c.decoder], `${p}/correction`);
    return this.chain('Add', [correction, x], `${p}/out`);
  }

  /**
   * pre·[pre > θ] (and, with `c.rank`, only where a ranked row's latent is in the top k of all
   * pre-activations by `ranking`), compared in float32 (ORT's CPU TopK and comparisons take no float16).
   */
  private gatedActivation(centred: string, pre: string, c: ClampInputs, p: string, ranking?: RankConstants): string {
    const pre32 = this.toFloat(pre, `${p}/pre_f32`);
    let on = this.chain('Greater', [pre32, this.toFloat(c.threshold!, `${p}/threshold_f32`)], `${p}/above`);
    if (ranking && c.rank) {
      const r = c.rank;
      const all = this.toFloat(this.chain('Add', [this.chain('MatMul', [centred, ranking.encoder], `${p}/proj_all`), ranking.bEnc], `${p}/pre_all`), `${p}/pre_all_f32`);
      const top = this.node('TopK', [all, ranking.k], `${p}/top_values`);
      top.output.push(`${p}/top_indices`);
      this.insert(top, all);
      const kth = this.chain('Slice', [`${p}/top_values`, this.int64(`${p}/last`, -1), this.int64(`${p}/end`, Number.MAX_SAFE_INTEGER), this.int64(`${p}/axis`, -1)], `${p}/kth`);
      const gather = this.node('Gather', [all, r.latent], `${p}/latent_pre`);
      gather.attribute.push({ name: 'axis', type: ATTRIBUTE_INT, i: -1 });
      this.insert(gather, kth);
      const ranked = this.toFloat(r.ranked, `${p}/ranked_f32`);
      // ranked·pre < ranked·kth is pre < kth on a ranked row (×1 is exact) and 0 < 0, false, on another.
      const below = this.chain('Less', [this.chain('Mul', [`${p}/latent_pre`, ranked], `${p}/ranked_pre`), this.chain('Mul', [kth, ranked], `${p}/ranked_kth`)], `${p}/below_kth`);
      on = this.chain('And', [this.chain('Not', [below], `${p}/in_top`), on], `${p}/on`);
    }
    const act32 = this.chain('Mul', [this.cast(on, DataType.FLOAT, `${p}/mask`), pre32], `${p}/act_f32`);
    return this.elemType === DataType.FLOAT ? act32 : this.cast(act32, this.elemType, `${p}/act`);
  }

  /** `t` as float32: itself in a float32 graph, else a Cast. */
  private toFloat(t: string, output: string): string {
    return this.elemType === DataType.FLOAT ? t : this.cast(t, DataType.FLOAT, output);
  }

  private cast(t: string, to: number, output: string): string {
    const n = this.node('Cast', [t], output);
    n.attribute.push({ name: 'to', type: ATTRIBUTE_INT, i: to });
    this.insert(n, t);
    return output;
  }

  /** A one-element int64 initializer. */
  int64(name: string, value: number): string {
    this.graph.initializer.push({ name, dims: [1], dataType: DataType.INT64, rawData: new Uint8Array(BigInt64Array.of(BigInt(value)).buffer) });
    return name;
  }

  /** An initializer of the stream's type (float16 rounded in a float16 graph) from float32 `data`. */
  streamConstant(name: string, dims: number[], data: Float32Array): string {
    const values = this.elemType === DataType.FLOAT16 ? Uint16Array.from(data, floatToHalf) : data;
    this.graph.initializer.push({ name, dims, dataType: this.elemType, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
    return name;
  }

  /** A fused site's sum recomputed with plain Adds (residual + branch [+ bias]). */
  unfusedSum(site: ResidualSite, hook: string): string {
    const n = site.node;
    const branch = n.input[site.branchIndex];
    const sum = this.chain('Add', [branch, n.input[site.residualIndex]], `/lantern/sum/${hook}`);
    const bias = n.input[n.opType === 'SkipLayerNormalization' ? 4 : 3];
    return bias ? this.chain('Add', [sum, bias], `/lantern/sum/${hook}/bias`) : sum;
  }

  /** Makes a fused node compute norm(R) and sum R (bit-exactly: R + R·0 = R), dropping its old operands. */
  replaceFusedSum(site: ResidualSite, r: string, hook: string) {
    const n = site.node;
    const zeroed = `/lantern/replace/${hook}/zero`;
    this.insert(this.node('Mul', [r, this.zero()], zeroed), r);
    n.input = [r, zeroed, ...n.input.slice(2, n.opType === 'SkipLayerNormalization' ? 4 : 3)];
  }

  /**
   * A graph input, stream-typed unless `elemType` says otherwise; symbolic `dims` when its rank is
   * fixed. Steer inputs stay unshaped so ORT takes both [batch, seq, d] and a broadcast [d].
   */
  addInput(name: string, dims?: string[], elemType = this.elemType) {
    const shape = dims && { dim: dims.map((dimParam) => ({ dimParam })) };
    const info: ValueInfoProto = { name, type: { tensorType: { elemType, shape } } };
    this.graph.input.push(info);
  }

  /** A scalar zero of the stream's type, as an initializer. */
  zero(): string {
    const name = '/lantern/zero';
    if (!this.graph.initializer.some((t) => t.name === name)) {
      const bytes = this.elemType === DataType.FLOAT16 ? 2 : 4;
      this.graph.initializer.push({ name, dims: [], dataType: this.elemType, rawData: new Uint8Array(bytes) });
    }
    return name;
  }

  /** ORT fuses a bias into Skip*Norm's last input; move it back onto the branch so the branch is the hook value. */
  unfuseBias(site: ResidualSite) {
    const n = site.node;
    const biasIndex = n.opType === 'SkipLayerNormalization' ? 4 : 3;
    const bias = n.input[biasIndex];
    if (!site.fused || !bias) return;
    const branch = n.input[site.branchIndex];
    const withBias = `${branch}/lantern_with_bias`;
    this.insert(this.node('Add', [branch, bias], withBias), branch);
    n.input[site.branchIndex] = withBias;
    n.input = n.input.slice(0, biasIndex);
  }
}

/** A 'topk' clamp's ranking: present, W_enc a whole number of [d_sae] rows, 1 ≤ k ≤ d_sae. */
function checkedRankWeights(r: RankWeights | undefined): RankWeights {
  if (!r) throw new LmError('BAD_INPUT', "A 'topk' clamp ranks with its TopK SAE's encoder: pass the SAE's W_enc, b_enc and k as `rank`", {});
  const dSae = r.bEnc.length;
  if (!dSae || r.encoder.length % dSae !== 0 || !r.encoder.length || !Number.isInteger(r.k) || r.k < 1 || r.k > dSae) {
    throw new LmError('BAD_INPUT', `A 'topk' clamp's ranking needs W_enc [d, d_sae] for a b_enc of ${dSae} latents and an integer 1 ≤ k ≤ d_sae; got ${r.encoder.length} encoder values and k ${r.k}`, {
      encoder: r.encoder.length,
      dSae,
      k: r.k,
    });
  }
  return r;
}

/**
 * Rewrites model bytes per `plan` (a 'topk' clamp's ranking from `opts.rank`). Edits and exposures apply in residual-stream order, so a hook
 * sees the edits of every earlier hook (resid_pre(L+1) those of resid_post(L), its alias) and an
 * exposed hook reports its value after its own steer/splice/clamp. In a fused graph
 * resid_post(L) and resid_pre(L+1) are one output of one node, so an exposed resid_post(L) also
 * shows resid_pre(L+1)'s edits.
 */
export function hookModel(bytes: Uint8Array, plan: SurgeryPlan, opts: { nLayers?: number; rank?: RankWeights } = {}): SurgeryResult {
  const model = decodeDecoder(bytes);
  const graph = model.graph;
  const chain = locateResidualChain(graph);
  const nLayers = chain.sites.length / 2;
  if (opts.nLayers !== undefined && opts.nLayers !== nLayers) {
    throw unsupported(`a residual chain matching config.json's ${opts.nLayers} layers`, { foundLayers: nLayers });
  }
  const parse = (names: string[] | undefined) => [...new Set(names ?? [])].map((n) => parseHook(n, nLayers));
  const expose = parse(plan.expose);
  const steer = parse(plan.steer);
  const splice = parse(plan.splice);
  const clamp = parse(plan.clamp);
  const replaced = new Set(splice.map((h) => h.name));
  const both = [...steer, ...clamp].find((h) => replaced.has(h.name));
  if (both) throw new LmError('BAD_INPUT', `Hook ${both.name} is spliced, so it cannot also be steered or clamped`, { hook: both.name });
  const activation = plan.clampActivation ?? 'relu';
  const rank = activation === 'topk' && clamp.length ? checkedRankWeights(opts.rank) : undefined;
  const rw = new Rewriter(graph, chain.elemType);

  // 1. Bias back onto branches we touch.
  for (const h of [...expose, ...steer, ...splice, ...clamp]) {
    const { site, part } = siteOf(chain, h);
    if (site && part === 'branch') rw.unfuseBias(site);
  }
  const tensorOf = (h: HookPoint): string => {
    const { site, part } = siteOf(chain, h);
    if (!site) return chain.embed;
    return part === 'sum' ? sumTensor(site) : site.node.input[site.branchIndex];
  };
  // hook → the tensor its exposed output reads
  const current = new Map<string, string>();
  // resid_post(L) and resid_pre(L+1) are one tensor: a later edit or exposure reads the newest version of it.
  const newest = new Map<string, string>();
  const latest = (t: string): string => (newest.has(t) ? latest(newest.get(t)!) : t);

  // 2. Steer, splice, clamp and snapshot exposed hooks, in stream order (a hook's edits before its exposure).
  const events = [
    ...steer.map((h) => ({ h, op: 'steer' as const })),
    ...splice.map((h) => ({ h, op: 'splice' as const })),
    ...clamp.map((h) => ({ h, op: 'clamp' as const })),
    ...expose.map((h) => ({ h, op: 'expose' as const })),
  ];
  events.sort((a, b) => streamOrder(a.h) - streamOrder(b.h));
  const steerInputs: Record<string, string> = {};
  const spliceInputs: Record<string, string> = {};
  const clampInputs: Record<string, ClampInputs> = {};
  for (const { h, op } of events) {
    const { site, part } = siteOf(chain, h);
    const fusedSum = site?.fused && part === 'sum';
    if (op === 'expose') {
      // A fused node's sum output is edited in place, so its name already carries every edit made to it.
      current.set(h.name, fusedSum ? sumTensor(site) : latest(tensorOf(h)));
      continue;
    }
    if (op === 'clamp') {
      const names = clampInputNames(h.name, activation);
      rw.addInput(names.encoder, ['hidden_size', 'clamped_features']);
      rw.addInput(names.decoder, ['clamped_features', 'hidden_size']);
      rw.addInput(names.bEnc, ['clamped_features']);
      rw.addInput(names.bDec, ['hidden_size']);
      rw.addInput(names.value, ['clamped_features']);
      if (names.threshold) rw.addInput(names.threshold, ['clamped_features']);
      let ranking: RankConstants | undefined;
      if (names.rank && rank) {
        rw.addInput(names.rank.latent, ['clamped_features'], DataType.INT64);
        rw.addInput(names.rank.ranked, ['clamped_features']);
        const dSae = rank.bEnc.length;
        const p = `clamp.${h.name}`;
        ranking = {
          encoder: rw.streamConstant(`${p}.encoder_all`, [rank.encoder.length / dSae, dSae], rank.encoder),
          bEnc: rw.streamConstant(`${p}.b_enc_all`, [dSae], rank.bEnc),
          k: rw.int64(`${p}.k`, rank.k),
        };
      }
      clampInputs[h.name] = names;
      if (fusedSum) {
        // Recompute the sum outside the fused node, clamp it, and feed the result back as norm(S' + S'·0).
        const sum = rw.unfusedSum(site, h.name);
        rw.replaceFusedSum(site, rw.clampNodes(sum, names, h.name, ranking), h.name);
      } else {
        const t = latest(tensorOf(h));
        const before = new Set(graph.node);
        const clamped = rw.clampNodes(t, names, h.name, ranking);
        rw.rewire(t, clamped, (n) => !before.has(n));
        newest.set(t, clamped);
      }
      continue;
    }
    const input = `${op}.${h.name}`;
    rw.addInput(input, op === 'splice' ? STREAM_DIMS : undefined);
    (op === 'steer' ? steerInputs : spliceInputs)[h.name] = input;
    if (fusedSum) {
      if (op === 'steer') {
        // norm((r + steer) + b): the sum and its norm both see the steer, and r + 0 is exactly r.
        // The residual operand is steered, not the branch, so ORT can still fold a branch bias into the node.
        const n = site.node;
        const residual = n.input[site.residualIndex];
        const steered = `/lantern/steer/${h.name}/residual`;
        rw.insert(rw.node('Add', [residual, input], steered), residual);
        n.input[site.residualIndex] = steered;
      } else {
        rw.replaceFusedSum(site, input, h.name);
      }
      continue;
    }
    const t = latest(tensorOf(h));
    let replacement = input;
    if (op === 'steer') {
      replacement = `/lantern/steer/${h.name}`;
      const add = rw.node('Add', [t, input], replacement);
      rw.insert(add, t);
      rw.rewire(t, replacement, (n) => n === add);
    } else {
      rw.rewire(t, input);
    }
    newest.set(t, replacement);
  }

  // 3. Expose as outputs through Identity nodes (a hook's tensor may back two hook names).
  const outputs: Record<string, string> = {};
  for (const h of expose) {
    const t = current.get(h.name)!;
    rw.insert(rw.node('Identity', [t], h.name), t);
    graph.output.push({ name: h.name, type: { tensorType: { elemType: chain.elemType, shape: { dim: STREAM_DIMS.map((dimParam) => ({ dimParam })) } } } });
    outputs[h.name] = h.name;
  }
  if (plan.pruneToHooks) prune(graph, Object.values(outputs));
  return {
    bytes: encodeModel(model),
    outputs,
    steerInputs,
    spliceInputs,
    clampInputs,
    nLayers,
    dtype: dtypeName(chain.elemType),
    signature: signatureOf(graph, chain),
  };
}
