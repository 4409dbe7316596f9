// The analysis on the GPU with the training kernels, sharded over latents like training when a
// buffer would pass the device's limits: the SAE encoder (center_input → matmul → bias_act →
// topk_rows, then compact_rows so that only the nonzero activations are read back), the row
// product behind logit effects, and all-pairs decoder-cosine neighbours (matmul → row_top per
// row block and column shard, candidates merged on the CPU).
import { readBytes, readParts, storageBuffer } from '../gpu/buffers';
import { biasActCall } from '../gpu/kernels/bias_act';
import { centerInputCall } from '../gpu/kernels/center_input';
import { compactRowsCountCalls, compactRowsWriteCalls } from '../gpu/kernels/compact_rows';
import { matmulCall } from '../gpu/kernels/matmul';
import { rowTopCall } from '../gpu/kernels/row_top';
import { topkRowsCall } from '../gpu/kernels/topk_rows';
import { topkRowsShardedCalls, TOPK_ROWS_SHARDED_SEL_WORDS } from '../gpu/kernels/topk_rows_sharded';
import { submitCalls, type KernelCall } from '../gpu/pipelines';
import { mergeRowTop } from '../gpu/reference/row_top';
import { joinColumns, shardsOf, splitColumns, splitRows, type Shard } from '../sae/shards';
import type { SaeWeights } from '../sae/types';
import type { Neighbour, NeighbourSearch, RowProduct } from './effects';
import type { Encoder, EncoderRule, SparseRows } from './encoder';
import { NEIGHBOURS } from './types';

/** Dense products read back per submit (logit rows) stay under this (bytes). */
const READBACK_BYTES = 32 * 1024 * 1024;
/** Dense activations on the GPU per encoder submit, every shard together, stay under this (bytes). */
const DENSE_BYTES = 64 * 1024 * 1024;
/** Decoder rows per neighbour-search submit. */
const NEIGHBOUR_ROWS = 256;

export interface ShardLimits {
  /** Caps every GPU buffer at this many bytes below the device's own limits; tests force sharding with it. */
  maxBufferBytes?: number;
}

export interface EncoderLimits extends ShardLimits {
  /** Entries of the first sparse output buffers (default: k or 64 per token); they grow when a batch needs more. */
  capacity?: number;
}

function tooWide(what: string, bytes: number, limit: number): Error {
  return new Error(`${what} needs ${bytes} bytes in one GPU buffer, over this device's ${limit}-byte limit; analyse a narrower SAE or use a GPU with larger buffers.`);
}

/** The largest buffer the analysis binds: the device's binding and buffer limits, and the cap. */
function bufferLimit(device: GPUDevice, cap = Infinity): number {
  return Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize, cap);
}

/** Contiguous latent shards of at most ⌊max / perLatentBytes⌋ latents: full ones and a smaller last. */
function latentShards(dSae: number, perLatentBytes: number, max: number): Shard[] {
  const width = Math.max(1, Math.floor(max / perLatentBytes));
  return shardsOf(Array.from({ length: Math.ceil(dSae / width) }, (_, s) => Math.min(width, dSae - s * width)));
}

/** Consecutive row blocks joined into one. */
function concatRows(parts: SparseRows[]): SparseRows {
  if (parts.length === 1) return parts[0];
  const rows = parts.reduce((a, p) => a + p.rows, 0);
  const nnz = parts.reduce((a, p) => a + p.latent.length, 0);
  const out: SparseRows = { rows, rowPtr: new Uint32Array(rows + 1), latent: new Uint32Array(nnz), value: new Float32Array(nnz) };
  let r0 = 0;
  let e0 = 0;
  for (const p of parts) {
    for (let r = 1; r <= p.rows; r++) out.rowPtr[r0 + r] = e0 + p.rowPtr[r];
    out.latent.set(p.latent, e0);
    out.value.set(p.value, e0);
    r0 += p.rows;
    e0 += p.latent.length;
  }
  return out;
}

interface EncoderShard extends Shard {
  wEnc: GPUBuffer;
  bEnc: GPUBuffer;
  logThreshold?: GPUBuffer;
  pre: GPUBuffer;
  acts: GPUBuffer;
}

/**
 * `rowsPerSubmit` caps the tokens encoded per submit (default: what keeps the dense scratch under
 * DENSE_BYTES). The latents are split into shards when [dIn, dSae] or [rows, dSae] would pass the
 * buffer limit; the nonzeros are compacted on the GPU, into buffers that grow when a batch has
 * more than they hold, and a batch whose nonzeros exceed even the largest buffer is split in halves.
 */
export function gpuEncoder(device: GPUDevice, weights: SaeWeights, rule: EncoderRule, rowsPerSubmit = 4096, limits: EncoderLimits = {}): Encoder {
  const { dIn, dSae } = weights;
  const max = bufferLimit(device, limits.maxBufferBytes);
  if (4 * dIn > max) throw tooWide('One token of input', 4 * dIn, max);
  // A token's nonzeros (latent + value) must fit the readback of one row.
  if (8 * dSae > max) throw tooWide("One token's activations", 8 * dSae, max);
  const maxRows = Math.max(1, Math.min(rowsPerSubmit, Math.floor(DENSE_BYTES / (4 * dSae)), Math.floor(max / (4 * Math.max(dIn, TOPK_ROWS_SHARDED_SEL_WORDS)))));
  const shardList = latentShards(dSae, 4 * Math.max(dIn, maxRows), max);
  const one = shardList.length === 1;
  const wEncs = one ? [weights.W_enc] : splitColumns(weights.W_enc, dIn, shardList);
  const bEncs = splitRows(weights.b_enc, 1, shardList);
  const thresholds = rule.kind === 'threshold' ? splitRows(rule.logThreshold, 1, shardList) : undefined;
  const shards: EncoderShard[] = shardList.map((sh, i) => ({
    ...sh,
    wEnc: storageBuffer(device, wEncs[i], `analysis-W_enc-${i}`),
    bEnc: storageBuffer(device, bEncs[i], `analysis-b_enc-${i}`),
    logThreshold: thresholds && storageBuffer(device, thresholds[i], `analysis-log_threshold-${i}`),
    pre: storageBuffer(device, maxRows * sh.size * 4, `analysis-pre-${i}`),
    acts: storageBuffer(device, maxRows * sh.size * 4, `analysis-acts-${i}`),
  }));
  const bDec = storageBuffer(device, weights.b_dec, 'analysis-b_dec');
  const x = storageBuffer(device, maxRows * dIn * 4, 'analysis-x');
  const xIn = storageBuffer(device, maxRows * dIn * 4, 'analysis-x_in');
  const sel = rule.kind === 'topk' && !one ? storageBuffer(device, maxRows * TOPK_ROWS_SHARDED_SEL_WORDS * 4, 'analysis-topk-sel') : undefined;
  const rowPtr = storageBuffer(device, (maxRows + 1) * 4, 'analysis-row_ptr');
  const fill = storageBuffer(device, maxRows * 4, 'analysis-fill');
  // Latents and values of a batch are read back together: both fit one staging buffer.
  const maxCapacity = Math.floor(max / 8);
  let capacity = Math.max(1, Math.min(maxCapacity, limits.capacity ?? maxRows * (rule.kind === 'topk' ? rule.k : Math.min(dSae, 64))));
  let latent = storageBuffer(device, capacity * 4, 'analysis-latent');
  let value = storageBuffer(device, capacity * 4, 'analysis-value');
  const mode = rule.kind === 'relu' ? 1 : rule.kind === 'threshold' ? 2 : 0;
  const compact = shards.map((sh) => ({ j0: sh.j0, dS: sh.size, acts: sh.acts }));

  /** Rows [0, n) of x through the encoder and compacted; undefined when their nonzeros exceed maxCapacity. */
  async function encodeRows(rows: Float32Array, n: number): Promise<SparseRows | undefined> {
    device.queue.writeBuffer(x, 0, rows.buffer, rows.byteOffset, n * dIn * 4);
    const calls: KernelCall[] = [centerInputCall(device, { x, bDec, xIn }, n, dIn, 1)];
    for (const sh of shards) {
      calls.push(matmulCall(device, { a: xIn, b: sh.wEnc, c: sh.pre }, n, sh.size, dIn));
      calls.push(biasActCall(device, { pre: sh.pre, bEnc: sh.bEnc, logThreshold: sh.logThreshold, acts: mode ? sh.acts : undefined }, n, sh.size, mode));
    }
    if (rule.kind === 'topk') {
      const o = { k: rule.k, relu: true };
      if (one) calls.push(topkRowsCall(device, { s: shards[0].pre, out: shards[0].acts }, n, dSae, o));
      else calls.push(...topkRowsShardedCalls(device, shards.map((sh) => ({ dS: sh.size, s: sh.pre, out: sh.acts })), { sel: sel as GPUBuffer }, n, o));
    }
    calls.push(...compactRowsCountCalls(device, compact, { fill }, n), ...compactRowsWriteCalls(device, compact, { rowPtr, fill, latent, value }, n, capacity));
    submitCalls(device, calls);
    const ptr = new Uint32Array(await readBytes(device, rowPtr, (n + 1) * 4));
    const total = ptr[n];
    if (total > maxCapacity) return undefined;
    if (total > capacity) {
      // The counts stay in `fill`: only scan and write run again, into buffers that hold them all.
      latent.destroy();
      value.destroy();
      capacity = Math.min(maxCapacity, Math.max(total, 2 * capacity));
      latent = storageBuffer(device, capacity * 4, 'analysis-latent');
      value = storageBuffer(device, capacity * 4, 'analysis-value');
      submitCalls(device, compactRowsWriteCalls(device, compact, { rowPtr, fill, latent, value }, n, capacity));
    }
    const [l, v] = await readParts(device, [
      { buffer: latent, bytes: total * 4 },
      { buffer: value, bytes: total * 4 },
    ]);
    return { rows: n, rowPtr: ptr, latent: new Uint32Array(l), value: new Float32Array(v) };
  }

  /** Rows [0, n), in halves while their nonzeros do not fit (one row always does). */
  async function encodeSplit(rows: Float32Array, n: number): Promise<SparseRows[]> {
    const got = await encodeRows(rows, n);
    if (got) return [got];
    const h = Math.ceil(n / 2);
    return [...(await encodeSplit(rows.subarray(0, h * dIn), h)), ...(await encodeSplit(rows.subarray(h * dIn, n * dIn), n - h))];
  }

  return {
    dIn,
    dSae,
    async encode(input, nTok) {
      const parts: SparseRows[] = [];
      for (let r = 0; r < nTok; r += maxRows) {
        const n = Math.min(maxRows, nTok - r);
        parts.push(...(await encodeSplit(input.subarray(r * dIn, (r + n) * dIn), n)));
      }
      return parts.length ? concatRows(parts) : { rows: 0, rowPtr: new Uint32Array(1), latent: new Uint32Array(0), value: new Float32Array(0) };
    },
    release() {
      for (const sh of shards) for (const b of [sh.wEnc, sh.bEnc, sh.logThreshold, sh.pre, sh.acts]) b?.destroy();
      for (const b of [bDec, x, xIn, sel, rowPtr, fill, latent, value]) b?.destroy();
    },
  };
}

/**
 * A[rows, K] · B on the GPU, B resident: stored [K, N] ('nn') or [N, K] ('nt'), split into column
 * shards when it would pass the buffer limit (GPT-2's unembedding is 154 MB); rows in slices whose
 * product fits one readback.
 */
export function gpuProduct(device: GPUDevice, b: Float32Array, K: number, N: number, layout: 'nn' | 'nt', limits: ShardLimits = {}): RowProduct {
  const max = bufferLimit(device, limits.maxBufferBytes);
  if (K * 4 > max) throw tooWide('One column of the unembedding or decoder', K * 4, max);
  const shards = latentShards(N, K * 4, max);
  const parts = shards.length === 1 ? [b] : layout === 'nn' ? splitColumns(b, K, shards) : splitRows(b, K, shards);
  const maxRows = Math.max(1, Math.min(1024, Math.floor(Math.min(max, READBACK_BYTES) / (N * 4)), Math.floor(max / (K * 4))));
  const bBufs = parts.map((part, i) => storageBuffer(device, part, `analysis-product-b-${i}`));
  const aBuf = storageBuffer(device, maxRows * K * 4, 'analysis-product-a');
  const cBufs = shards.map((sh, i) => storageBuffer(device, maxRows * sh.size * 4, `analysis-product-c-${i}`));
  return {
    cols: N,
    async multiply(a, rows) {
      const out = new Float32Array(rows * N);
      for (let r = 0; r < rows; r += maxRows) {
        const n = Math.min(maxRows, rows - r);
        device.queue.writeBuffer(aBuf, 0, a.buffer, a.byteOffset + r * K * 4, n * K * 4);
        submitCalls(device, shards.map((sh, i) => matmulCall(device, { a: aBuf, b: bBufs[i], c: cBufs[i] }, n, sh.size, K, layout)));
        const blocks = await readParts(device, shards.map((sh, i) => ({ buffer: cBufs[i], bytes: n * sh.size * 4 })));
        out.set(joinColumns(blocks.map((x) => new Float32Array(x)), n, shards), r * N);
      }
      return out;
    },
    release() {
      for (const buf of [...bBufs, aBuf, ...cBufs]) buf.destroy();
    },
  };
}

/**
 * Decoder-cosine neighbours on the GPU: unitDec [dSae, dIn] resident in column shards ([size, dIn]
 * each, and a [rows, size] similarity block, within the buffer limit); per block of rows and per
 * shard, matmul gives the cosines and row_top the shard's best NEIGHBOURS, merged per row. Only
 * the candidates are read back: rows × shards × NEIGHBOURS pairs.
 */
export function gpuNeighbours(device: GPUDevice, unitDec: Float32Array, dSae: number, dIn: number, limits: ShardLimits = {}): NeighbourSearch {
  const max = bufferLimit(device, limits.maxBufferBytes);
  const rowBytes = 4 * Math.max(dIn, NEIGHBOURS);
  if (rowBytes > max) throw tooWide('One decoder row', rowBytes, max);
  const maxRows = Math.min(NEIGHBOUR_ROWS, Math.floor(max / rowBytes));
  const shards = latentShards(dSae, 4 * Math.max(dIn, maxRows), max);
  const decs = splitRows(unitDec, dIn, shards).map((d, i) => storageBuffer(device, d, `analysis-unit_dec-${i}`));
  const a = storageBuffer(device, maxRows * dIn * 4, 'analysis-neighbour-rows');
  const sim = storageBuffer(device, maxRows * shards[0].size * 4, 'analysis-similarity');
  const cands = shards.map((_, i) => ({
    index: storageBuffer(device, maxRows * NEIGHBOURS * 4, `analysis-neighbour-index-${i}`),
    value: storageBuffer(device, maxRows * NEIGHBOURS * 4, `analysis-neighbour-value-${i}`),
  }));

  /** Latents [from, from + n) with n ≤ maxRows. */
  async function block(from: number, n: number): Promise<Neighbour[][]> {
    device.queue.writeBuffer(a, 0, unitDec.buffer, unitDec.byteOffset + from * dIn * 4, n * dIn * 4);
    const calls = shards.flatMap((sh, i) => [
      matmulCall(device, { a, b: decs[i], c: sim }, n, sh.size, dIn, 'nt'),
      rowTopCall(device, { s: sim, index: cands[i].index, value: cands[i].value }, { nRows: n, nCols: sh.size, row0: from, col0: sh.j0, n: NEIGHBOURS }),
    ]);
    submitCalls(device, calls);
    const bytes = n * NEIGHBOURS * 4;
    const parts = await readParts(device, cands.flatMap((c) => [{ buffer: c.index, bytes }, { buffer: c.value, bytes }]));
    const index = parts.filter((_, p) => p % 2 === 0).map((p) => new Uint32Array(p));
    const value = parts.filter((_, p) => p % 2 === 1).map((p) => new Float32Array(p));
    return Array.from({ length: n }, (_, r) => {
      const at = (s: Uint32Array | Float32Array) => s.subarray(r * NEIGHBOURS, (r + 1) * NEIGHBOURS);
      const merged = mergeRowTop(index.flatMap((s) => Array.from(at(s))), value.flatMap((s) => Array.from(at(s))), NEIGHBOURS);
      return merged.map((e) => ({ index: e.index, cosine: e.value }));
    });
  }

  return {
    async neighbours(from, to) {
      const out: Neighbour[][] = [];
      for (let r = from; r < to; r += maxRows) out.push(...(await block(r, Math.min(maxRows, to - r))));
      return out;
    },
    release() {
      for (const b of [...decs, a, sim, ...cands.flatMap((c) => [c.index, c.value])]) b.destroy();
    },
  };
}
