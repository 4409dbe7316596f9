// Shared by the SAELens and sparsify importers: the typed error, cfg.json field readers and shape-checked tensor reads.

import { tensorToFloat32, type SafetensorsFile } from './safetensors';

export type SaeFormatErrorCode =
  | 'invalid-cfg'
  | 'unsupported-architecture'
  | 'missing-tensor'
  | 'shape-mismatch'
  | 'invalid-option'
  | 'missing-file'
  | 'invalid-archive'
  | 'unsupported-normalization'
  | 'unknown-release'
  | 'mismatch';

export class SaeFormatError extends Error {
  constructor(
    readonly code: SaeFormatErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SaeFormatError';
  }
}

export type Json = Record<string, unknown>;

/** Parses a cfg.json text into an object; `format` names the layout in messages. */
export function parseCfg(format: string, text: string): Json {
  let cfg: unknown;
  try {
    cfg = JSON.parse(text);
  } catch (e) {
    throw new SaeFormatError('invalid-cfg', `${format} cfg.json is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new SaeFormatError('invalid-cfg', `${format} cfg.json must be a JSON object`);
  return cfg as Json;
}

/** Typed accessors for one cfg object; every error names the key (with `prefix`, e.g. "metadata."). */
export function cfgReader(format: string, cfg: Json, prefix = '') {
  const bad = (key: string, want: string): SaeFormatError =>
    new SaeFormatError('invalid-cfg', `${format} cfg.json: "${prefix}${key}" must be ${want}, got ${JSON.stringify(cfg[key])}`, {
      key: prefix + key,
      value: cfg[key],
    });
  const has = (key: string) => cfg[key] !== undefined && cfg[key] !== null;
  return {
    has,
    positiveInt(key: string): number {
      const v = cfg[key];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw bad(key, 'a positive integer');
      return v;
    },
    optionalInt(key: string, min: number): number | undefined {
      if (!has(key)) return undefined;
      const v = cfg[key];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw bad(key, `an integer ≥ ${min}`);
      return v;
    },
    optionalString(key: string): string | undefined {
      if (!has(key)) return undefined;
      if (typeof cfg[key] !== 'string') throw bad(key, 'a string');
      return cfg[key] as string;
    },
    optionalBool(key: string): boolean | undefined {
      if (!has(key)) return undefined;
      if (typeof cfg[key] !== 'boolean') throw bad(key, 'true or false');
      return cfg[key] as boolean;
    },
    optionalObject(key: string): Json | undefined {
      if (!has(key)) return undefined;
      const v = cfg[key];
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(key, 'an object');
      return v as Json;
    },
    oneOf<T extends string>(key: string, allowed: readonly T[]): T {
      const v = cfg[key];
      if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw bad(key, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
      return v as T;
    },
  };
}

/** Reads tensor `name` as f32 after checking it exists and has exactly `shape` (`what` names the cfg sizes). */
export function readShapedTensor(format: string, file: SafetensorsFile, name: string, shape: number[], what: string): Float32Array {
  const info = file.tensors.get(name);
  if (!info) {
    throw new SaeFormatError('missing-tensor', `${format} weights: no tensor "${name}" (have: ${[...file.tensors.keys()].join(', ') || 'none'})`, {
      tensor: name,
    });
  }
  if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
    throw new SaeFormatError('shape-mismatch', `${format} weights: ${name} has shape [${info.shape.join(', ')}] but cfg.json gives ${what} = [${shape.join(', ')}]`, {
      tensor: name,
      actual: info.shape,
      expected: shape,
    });
  }
  return tensorToFloat32(file, name);
}
