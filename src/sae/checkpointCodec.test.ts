// Checkpoint codec: exact round trip of a training state; malformed bytes are refused clearly.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config';
import { initialState } from './state';
import { CheckpointFormatError, decodeCheckpoint, encodeCheckpoint } from './checkpointCodec';

const state = () => {
  const s = initialState(resolveConfig({ arch: 'jumprelu', dIn: 5, dSae: 7, seed: 3 }));
  s.step = 12;
  s.sinceFired[3] = 99;
  s.adamV.W_enc[4] = 0.25;
  return s;
};

describe('checkpoint codec', () => {
  it('round-trips every array and scalar exactly, with the source state', () => {
    const s = state();
    const { state: back, source } = decodeCheckpoint(encodeCheckpoint(s, { rng: [1, 2, 3, 4] }));
    expect(back).toEqual(s);
    expect(source).toEqual({ rng: [1, 2, 3, 4] });
  });

  it('refuses truncated bytes, a bad header and a foreign file', () => {
    const bytes = encodeCheckpoint(state(), null);
    expect(() => decodeCheckpoint(bytes.slice(0, 4))).toThrow(CheckpointFormatError);
    expect(() => decodeCheckpoint(bytes.slice(0, bytes.length - 8))).toThrow(/truncated/);
    const bad = bytes.slice();
    bad[9] = 0x7b;
    bad[10] = 0x00;
    expect(() => decodeCheckpoint(bad)).toThrow(/not valid JSON/);
    const foreign = new TextEncoder().encode('{"magic":"x"}');
    const file = new Uint8Array(8 + foreign.length);
    new DataView(file.buffer).setBigUint64(0, BigInt(foreign.length), true);
    file.set(foreign, 8);
    expect(() => decodeCheckpoint(file)).toThrow(/unknown format/);
  });
});
