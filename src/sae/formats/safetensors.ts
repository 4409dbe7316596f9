// In-memory safetensors reader and writer (Hugging Face's format for SAELens and sparsify weights).
// Every header field is validated before any tensor byte is touched, and nothing is read past the file.

/**
 * Layout: [u64 little-endian N][N bytes of UTF-8 JSON header][data section].
 * Header: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { str: str } },
 * offsets relative to the start of the data section; tensors tile the data section exactly.
 */
export const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;
export type Dtype = keyof typeof DTYPE_SIZES;

/** Largest header we accept: real headers are kilobytes; this bounds memory on hostile files. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export type SafetensorsErrorCode =
  | 'truncated'
  | 'header-length'
  | 'invalid-utf8'
  | 'invalid-json'
  | 'invalid-header'
  | 'invalid-metadata'
  | 'unknown-dtype'
  | 'invalid-shape'
  | 'invalid-offsets'
  | 'offsets-out-of-bounds'
  | 'byte-length-mismatch'
  | 'overlapping-tensors'
  | 'data-not-covered'
  | 'missing-tensor'
  | 'unsupported-dtype'
  | 'invalid-tensor';

export class SafetensorsError extends Error {
  constructor(
    readonly code: SafetensorsErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export interface TensorInfo {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Absolute byte range [begin, end) in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** In file order (by offset). */
  tensors: Map<string, TensorInfo>;
  bytes: Uint8Array;
}

function fail(code: SafetensorsErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new SafetensorsError(code, `safetensors: ${message}`, details);
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses and validates the header of a safetensors file; tensor bytes stay in `bytes` until converted. */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  // 1. Header length: positive, inside the file, bounded.
  if (bytes.length < 8) fail('truncated', `file is ${bytes.length} bytes, shorter than the 8-byte header length`, { fileLength: bytes.length });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n === 0n) fail('header-length', 'header length is 0', { headerLength: 0 });
  if (n > BigInt(bytes.length - 8)) {
    fail('header-length', `header length ${n} runs past the end of the file (${bytes.length - 8} bytes after the length field)`, {
      headerLength: Number(n),
      fileLength: bytes.length,
    });
  }
  if (n > BigInt(MAX_HEADER_BYTES)) fail('header-length', `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`, { headerLength: Number(n) });
  const headerLength = Number(n);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  // 2. Header: UTF-8 JSON object.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    fail('invalid-utf8', `header (bytes 8..${dataStart}) is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail('invalid-json', `header is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('invalid-header', 'header must be a JSON object');

  // 3. Metadata: a flat string → string map.
  const metadata: Record<string, string> = {};
  const rawMeta = (header as Record<string, unknown>).__metadata__;
  if (rawMeta !== undefined) {
    if (typeof rawMeta !== 'object' || rawMeta === null || Array.isArray(rawMeta)) fail('invalid-metadata', '__metadata__ must be an object of strings');
    for (const [k, v] of Object.entries(rawMeta)) {
      if (typeof v !== 'string') fail('invalid-metadata', `__metadata__.${k} must be a string, got ${JSON.stringify(v)}`, { key: k });
      metadata[k] = v;
    }
  }

  // 4. Tensor entries: known dtype, shape of non-negative ints, offsets inside the data section, exact byte count.
  const infos: TensorInfo[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('invalid-header', `tensor "${name}" must be an object`, { tensor: name });
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_SIZES, dtype)) {
      fail('unknown-dtype', `tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`, { tensor: name, dtype });
    }
    if (!Array.isArray(shape) || !shape.every(isIndex)) {
      fail('invalid-shape', `tensor "${name}" shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`, { tensor: name, shape });
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
      fail('invalid-offsets', `tensor "${name}" data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(offsets)}`, {
        tensor: name,
        offsets,
      });
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) {
      fail('offsets-out-of-bounds', `tensor "${name}" data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data section`, {
        tensor: name,
        offsets,
        dataLength,
      });
    }
    const size = DTYPE_SIZES[dtype as Dtype];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * size;
    if (expected !== end - begin) {
      fail('byte-length-mismatch', `tensor "${name}" has ${end - begin} bytes but ${dtype}${JSON.stringify(shape)} needs ${expected}`, {
        tensor: name,
        actual: end - begin,
        expected,
      });
    }
    infos.push({ name, dtype: dtype as Dtype, shape: shape as number[], begin: dataStart + begin, end: dataStart + end });
  }

  // 5. Tensors tile the data section: sorted by offset, each starts where the previous ended, the last ends at EOF.
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = dataStart;
  for (const t of infos) {
    if (t.begin < cursor) {
      fail('overlapping-tensors', `tensor "${t.name}" starts at data offset ${t.begin - dataStart}, inside the previous tensor (ends at ${cursor - dataStart})`, {
        tensor: t.name,
      });
    }
    if (t.begin > cursor) {
      fail('data-not-covered', `data bytes ${cursor - dataStart}..${t.begin - dataStart} before tensor "${t.name}" belong to no tensor`, { tensor: t.name });
    }
    cursor = t.end;
  }
  if (cursor !== bytes.length) {
    fail('data-not-covered', `data bytes ${cursor - dataStart}..${dataLength} at the end of the file belong to no tensor`, { dataLength });
  }
  return { metadata, tensors: new Map(infos.map((t) => [t.name, t])), bytes };
}

/** IEEE half → float. */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** Float → IEEE half, round to nearest even; overflow becomes ±Infinity. */
export function f32ToF16(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit-1 mantissa right, rounding to nearest even.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let out = m >>> shift;
    if (rest > half || (rest === half && out & 1)) out++;
    return sign | out;
  }
  let out = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && out & 1)) out++; // may carry into the exponent, which is correct
  return sign | out;
}

/** Copies a tensor out of the file as f32 (floats and integers convert; 64-bit integers lose precision past 2^53). */
export function tensorToFloat32(file: SafetensorsFile, name: string): Float32Array {
  const t = file.tensors.get(name);
  if (!t) fail('missing-tensor', `no tensor named "${name}" (have: ${[...file.tensors.keys()].join(', ') || 'none'})`, { tensor: name });
  const bytes = file.bytes.slice(t.begin, t.end);
  if (t.dtype === 'F32' && LITTLE_ENDIAN) return new Float32Array(bytes.buffer);
  const n = bytes.length / DTYPE_SIZES[t.dtype];
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(n);
  const read: Partial<Record<Dtype, (i: number) => number>> = {
    F32: (i) => view.getFloat32(4 * i, true),
    F64: (i) => view.getFloat64(8 * i, true),
    F16: (i) => f16ToF32(view.getUint16(2 * i, true)),
    BF16: (i) => {
      u32Scratch[0] = view.getUint16(2 * i, true) << 16;
      return f32Scratch[0];
    },
    I64: (i) => Number(view.getBigInt64(8 * i, true)),
    U64: (i) => Number(view.getBigUint64(8 * i, true)),
    I32: (i) => view.getInt32(4 * i, true),
    U32: (i) => view.getUint32(4 * i, true),
    I16: (i) => view.getInt16(2 * i, true),
    U16: (i) => view.getUint16(2 * i, true),
    I8: (i) => view.getInt8(i),
    U8: (i) => view.getUint8(i),
    BOOL: (i) => (view.getUint8(i) ? 1 : 0),
  };
  const get = read[t.dtype];
  if (!get) fail('unsupported-dtype', `tensor "${name}" has dtype ${t.dtype}, which cannot be converted to f32`, { tensor: name, dtype: t.dtype });
  for (let i = 0; i < n; i++) out[i] = get(i);
  return out;
}

export interface TensorToWrite {
  dtype: 'F32' | 'F16';
  shape: number[];
  /** Row-major values; length = product(shape). */
  data: Float32Array;
}

/**
 * Serialises tensors like the Python `safetensors` package: ordered by dtype size (largest first) then name,
 * `__metadata__` first in the header, header padded with spaces to a multiple of 8 bytes.
 */
export function writeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array<ArrayBuffer> {
  const names = Object.keys(tensors).sort((a, b) => DTYPE_SIZES[tensors[b].dtype] - DTYPE_SIZES[tensors[a].dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') fail('invalid-tensor', 'a tensor cannot be named "__metadata__"', { tensor: name });
    const { dtype, shape, data } = tensors[name];
    if (!shape.every(isIndex)) fail('invalid-shape', `tensor "${name}" shape must be non-negative integers, got ${JSON.stringify(shape)}`, { tensor: name });
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) fail('invalid-tensor', `tensor "${name}" has ${data.length} values but shape ${JSON.stringify(shape)} needs ${count}`, { tensor: name });
    const byteLength = count * DTYPE_SIZES[dtype];
    header[name] = { dtype, shape, data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) {
    const { dtype, data } = tensors[name];
    for (let i = 0; i < data.length; i++) {
      if (dtype === 'F32') view.setFloat32(at + 4 * i, data[i], true);
      else view.setUint16(at + 2 * i, f32ToF16(data[i]), true);
    }
    at += data.length * DTYPE_SIZES[dtype];
  }
  return out;
}
