// Binary encoding of a full training state (SaeState plus the data source's state) for
// checkpoints: 8-byte little-endian header length, a JSON header (scalars, config, array
// manifest), then the arrays' bytes, 4-byte aligned. Decoding restores it exactly.
import type { SaeState } from './state';

const MAGIC = 'lantern-sae-state/1';

type ArrayKind = 'f32' | 'u32';
interface Manifest {
  name: string;
  kind: ArrayKind;
  offset: number;
  length: number;
}

interface Header {
  magic: string;
  scalars: Omit<SaeState, 'params' | 'adamM' | 'adamV' | 'sinceFired' | 'fireCount' | 'deadInfo'>;
  source: unknown;
  arrays: Manifest[];
}

function collect(state: SaeState): [string, Float32Array | Uint32Array][] {
  const out: [string, Float32Array | Uint32Array][] = [];
  for (const group of ['params', 'adamM', 'adamV'] as const) {
    for (const [name, arr] of Object.entries(state[group])) out.push([`${group}.${name}`, arr]);
  }
  out.push(['sinceFired', state.sinceFired], ['fireCount', state.fireCount], ['deadInfo', state.deadInfo]);
  return out;
}

export function encodeCheckpoint(state: SaeState, source: unknown): Uint8Array {
  const { params: _p, adamM: _m, adamV: _v, sinceFired: _s, fireCount: _f, deadInfo: _d, ...scalars } = state;
  const arrays: Manifest[] = [];
  let offset = 0;
  const parts = collect(state);
  for (const [name, arr] of parts) {
    arrays.push({ name, kind: arr instanceof Float32Array ? 'f32' : 'u32', offset, length: arr.length });
    offset += arr.byteLength;
  }
  const header: Header = { magic: MAGIC, scalars, source, arrays };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (4 - ((8 + json.byteLength) % 4)) % 4;
  if (pad) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  const base = 8 + json.byteLength;
  for (const [i, [, arr]] of parts.entries()) out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), base + arrays[i].offset);
  return out;
}

export class CheckpointFormatError extends Error {
  readonly code = 'checkpoint-format';
  constructor(message: string) {
    super(`Not a readable Lantern checkpoint: ${message}`);
    this.name = 'CheckpointFormatError';
  }
}

export function decodeCheckpoint(bytes: Uint8Array): { state: SaeState; source: unknown } {
  if (bytes.byteLength < 8) throw new CheckpointFormatError('shorter than its header.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n <= 0 || 8 + n > bytes.byteLength) throw new CheckpointFormatError('header length points past the end.');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n))) as Header;
  } catch {
    throw new CheckpointFormatError('header is not valid JSON.');
  }
  if (header.magic !== MAGIC) throw new CheckpointFormatError(`unknown format "${String(header.magic)}".`);
  const base = 8 + n;
  const arrays = new Map<string, Float32Array | Uint32Array>();
  for (const m of header.arrays) {
    const start = base + m.offset;
    if (start + m.length * 4 > bytes.byteLength) throw new CheckpointFormatError(`array ${m.name} is truncated.`);
    const copy = bytes.slice(start, start + m.length * 4).buffer;
    arrays.set(m.name, m.kind === 'f32' ? new Float32Array(copy) : new Uint32Array(copy));
  }
  const group = (g: string) =>
    Object.fromEntries([...arrays].filter(([k]) => k.startsWith(`${g}.`)).map(([k, v]) => [k.slice(g.length + 1), v])) as SaeState['params'];
  const get = <T>(name: string) => {
    const a = arrays.get(name);
    if (!a) throw new CheckpointFormatError(`array ${name} is missing.`);
    return a as T;
  };
  return {
    state: {
      ...header.scalars,
      params: group('params'),
      adamM: group('adamM'),
      adamV: group('adamV'),
      sinceFired: get<Uint32Array>('sinceFired'),
      fireCount: get<Uint32Array>('fireCount'),
      deadInfo: get<Uint32Array>('deadInfo'),
    },
    source: header.source,
  };
}
