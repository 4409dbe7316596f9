// Tests for the safetensors reader/writer: round trips, dtype conversion and rejection of malformed files.
import { describe, expect, it } from 'vitest';
import { randomArray } from '@/gpu/testing';
import { f16ToF32, f32ToF16, MAX_HEADER_BYTES, parseSafetensors, SafetensorsError, tensorToFloat32, writeSafetensors } from './safetensors';

/** Builds a file from a raw header object (or string) and a data section, bypassing the writer's checks. */
function rawFile(header: unknown, data: Uint8Array | number = 0): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return (e as SafetensorsError).code;
  }
  return undefined;
}

describe('safetensors', () => {
  it('round-trips F32 tensors and metadata', () => {
    const a = randomArray(6 * 5, 1);
    const b = randomArray(7, 2);
    const bytes = writeSafetensors(
      { b: { dtype: 'F32', shape: [7], data: b }, a: { dtype: 'F32', shape: [6, 5], data: a } },
      { format: 'pt' },
    );
    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.tensors.keys()]).toEqual(['a', 'b']);
    expect(file.tensors.get('a')?.shape).toEqual([6, 5]);
    expect(tensorToFloat32(file, 'a')).toEqual(a);
    expect(tensorToFloat32(file, 'b')).toEqual(b);
  });

  it('pads the header with spaces to a multiple of 8 bytes and orders tensors like the Python package', () => {
    const bytes = writeSafetensors({
      h: { dtype: 'F16', shape: [3], data: new Float32Array([1, 2, 3]) },
      w: { dtype: 'F32', shape: [2], data: new Float32Array([4, 5]) },
    });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(JSON.parse(header)).toEqual({
      w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      h: { dtype: 'F16', shape: [3], data_offsets: [8, 14] },
    });
    expect(header.slice(header.trimEnd().length)).toMatch(/^ *$/);
    expect(tensorToFloat32(parseSafetensors(bytes), 'h')).toEqual(new Float32Array([1, 2, 3]));
  });

  it('round-trips F16 within half precision', () => {
    const x = randomArray(257, 3, -100, 100);
    const back = tensorToFloat32(parseSafetensors(writeSafetensors({ x: { dtype: 'F16', shape: [257], data: x } })), 'x');
    for (let i = 0; i < x.length; i++) expect(Math.abs(back[i] - x[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 2 ** -11);
  });

  it('converts half-precision edge cases exactly', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00], // rounds up to infinity
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -14, 0x0400], // smallest normal
      [1 + 2 ** -11, 0x3c00], // tie rounds to even
      [1 + 3 * 2 ** -11, 0x3c02],
      [Number.POSITIVE_INFINITY, 0x7c00],
    ];
    for (const [v, h] of cases) expect(f32ToF16(v)).toBe(h);
    expect(f16ToF32(0x7bff)).toBe(65504);
    expect(f16ToF32(0x0001)).toBe(2 ** -24);
    expect(f16ToF32(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(f16ToF32(f32ToF16(Number.NaN))).toBeNaN();
  });

  it('reads BF16, F64, I32 and I64 tensors as f32', () => {
    const data = new Uint8Array(2 * 2 + 8 + 4 + 8);
    const v = new DataView(data.buffer);
    v.setUint16(0, 0x3f80, true); // bf16 1.0
    v.setUint16(2, 0xc040, true); // bf16 -3.0
    v.setFloat64(4, 0.25, true);
    v.setInt32(12, -7, true);
    v.setBigInt64(16, 123n, true);
    const file = parseSafetensors(
      rawFile(
        {
          b: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] },
          d: { dtype: 'F64', shape: [], data_offsets: [4, 12] },
          i: { dtype: 'I32', shape: [1], data_offsets: [12, 16] },
          l: { dtype: 'I64', shape: [1, 1], data_offsets: [16, 24] },
        },
        data,
      ),
    );
    expect(tensorToFloat32(file, 'b')).toEqual(new Float32Array([1, -3]));
    expect(tensorToFloat32(file, 'd')).toEqual(new Float32Array([0.25]));
    expect(tensorToFloat32(file, 'i')).toEqual(new Float32Array([-7]));
    expect(tensorToFloat32(file, 'l')).toEqual(new Float32Array([123]));
  });

  it('accepts zero-sized tensors', () => {
    const file = parseSafetensors(rawFile({ e: { dtype: 'F32', shape: [0, 4], data_offsets: [0, 0] } }));
    expect(tensorToFloat32(file, 'e').length).toBe(0);
  });

  it('names a missing tensor and lists what exists', () => {
    const file = parseSafetensors(writeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }));
    expect(() => tensorToFloat32(file, 'W_enc')).toThrow(/W_enc.*have: a/);
  });

  it('refuses to convert F8 tensors', () => {
    const file = parseSafetensors(rawFile({ q: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, 2));
    expect(codeOf(() => tensorToFloat32(file, 'q'))).toBe('unsupported-dtype');
  });

  describe('rejects malformed files', () => {
    const good = writeSafetensors({ a: { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) } });

    it('truncated: shorter than the length field', () => {
      expect(codeOf(() => parseSafetensors(good.subarray(0, 5)))).toBe('truncated');
    });

    it('truncated: data section cut short', () => {
      expect(codeOf(() => parseSafetensors(good.subarray(0, good.length - 3)))).toBe('offsets-out-of-bounds');
    });

    it('header length past EOF', () => {
      const bad = good.slice();
      new DataView(bad.buffer).setBigUint64(0, BigInt(bad.length), true);
      expect(() => parseSafetensors(bad)).toThrow(/runs past the end of the file/);
      new DataView(bad.buffer).setBigUint64(0, 2n ** 63n, true);
      expect(codeOf(() => parseSafetensors(bad))).toBe('header-length');
    });

    it('header length of zero or above the limit', () => {
      expect(codeOf(() => parseSafetensors(new Uint8Array(16)))).toBe('header-length');
      const huge = new Uint8Array(8);
      new DataView(huge.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
      expect(codeOf(() => parseSafetensors(huge))).toBe('header-length');
    });

    it('invalid UTF-8 and invalid JSON', () => {
      const bytes = rawFile('{}  ');
      bytes[9] = 0xff;
      expect(codeOf(() => parseSafetensors(bytes))).toBe('invalid-utf8');
      expect(codeOf(() => parseSafetensors(rawFile('{"a": ')))).toBe('invalid-json');
      expect(codeOf(() => parseSafetensors(rawFile('[1, 2]')))).toBe('invalid-header');
    });

    it('bad dtype', () => {
      expect(() => parseSafetensors(rawFile({ a: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, 4))).toThrow(/tensor "a" has unknown dtype "F33"/);
    });

    it('bad shape', () => {
      expect(codeOf(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4)))).toBe('invalid-shape');
      expect(codeOf(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, 4)))).toBe('invalid-shape');
      expect(codeOf(() => parseSafetensors(rawFile({ a: { dtype: 'F32', data_offsets: [0, 4] } }, 4)))).toBe('invalid-shape');
    });

    it('bad or out-of-range offsets', () => {
      expect(codeOf(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, 4)))).toBe('invalid-offsets');
      expect(codeOf(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4)))).toBe('invalid-offsets');
      expect(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 4))).toThrow(/run past the 4-byte data section/);
    });

    it('wrong byte count', () => {
      expect(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8))).toThrow(
        /tensor "a" has 8 bytes but F32\[3\] needs 12/,
      );
    });

    it('overlapping offsets', () => {
      const header = {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      };
      expect(codeOf(() => parseSafetensors(rawFile(header, 12)))).toBe('overlapping-tensors');
    });

    it('data not fully covered (gap or trailing bytes)', () => {
      const gap = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
      expect(codeOf(() => parseSafetensors(rawFile(gap, 12)))).toBe('data-not-covered');
      expect(codeOf(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 6)))).toBe('data-not-covered');
    });

    it('non-string metadata', () => {
      expect(codeOf(() => parseSafetensors(rawFile({ __metadata__: { n: 1 } })))).toBe('invalid-metadata');
    });
  });

  it('writer rejects a value count that does not match the shape', () => {
    expect(codeOf(() => writeSafetensors({ a: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } }))).toBe('invalid-tensor');
  });
});
