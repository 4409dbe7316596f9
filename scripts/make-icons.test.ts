// The committed PNG icons are exactly what scripts/make-icons.ts draws, and are valid PNGs of their stated size.
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { drawIcon, encodePng, ICONS } from './make-icons';

/** The pixels of an 8-bit RGBA, non-interlaced PNG whose scanlines all use filter 0 (what encodePng writes). */
function decode(png: Uint8Array): { size: number; rgba: Uint8Array } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat: Uint8Array[] = [];
  let size = 0;
  for (let o = 8; o < png.length; ) {
    const len = view.getUint32(o);
    const type = Buffer.from(png.subarray(o + 4, o + 8)).toString('latin1');
    if (type === 'IHDR') {
      size = view.getUint32(o + 8);
      expect(view.getUint32(o + 12)).toBe(size);
      expect([...png.subarray(o + 16, o + 21)]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(png.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    expect(raw[y * (size * 4 + 1)]).toBe(0);
    rgba.set(raw.subarray(y * (size * 4 + 1) + 1, (y + 1) * (size * 4 + 1)), y * size * 4);
  }
  return { size, rgba };
}

const drawn = new Map<string, Uint8Array>();
/** Each icon drawn once for all the tests below. */
function draw(spec: (typeof ICONS)[number]): Uint8Array {
  if (!drawn.has(spec.file)) drawn.set(spec.file, drawIcon(spec));
  return drawn.get(spec.file)!;
}

describe('app icons', () => {
  for (const spec of ICONS) {
    it(`public/icons/${spec.file} is the ${spec.size}px icon the script draws`, () => {
      const committed = new Uint8Array(readFileSync(new URL(`../public/icons/${spec.file}`, import.meta.url)));
      const pixels = draw(spec);
      const { size, rgba } = decode(committed);
      expect(size).toBe(spec.size);
      expect(Buffer.compare(Buffer.from(rgba), Buffer.from(pixels))).toBe(0);
      expect(Buffer.compare(Buffer.from(encodePng(pixels, spec.size)), Buffer.from(committed))).toBe(0);
    });
  }

  it('a maskable icon is opaque to its corners; the rounded icon is transparent there', () => {
    const alphaAt = (rgba: Uint8Array, size: number, x: number, y: number) => rgba[(y * size + x) * 4 + 3];
    const [rounded, , maskable] = ICONS;
    expect(alphaAt(draw(maskable), 512, 0, 0)).toBe(255);
    expect(alphaAt(draw(rounded), 192, 0, 0)).toBe(0);
    expect(alphaAt(draw(rounded), 192, 96, 96)).toBe(255);
  });

  it('the maskable glyph stays inside the central 80% safe circle', () => {
    const spec = ICONS[2];
    const rgba = draw(spec);
    const bg = [rgba[0], rgba[1], rgba[2]];
    let farthest = 0;
    for (let y = 0; y < spec.size; y++)
      for (let x = 0; x < spec.size; x++) {
        const o = (y * spec.size + x) * 4;
        if (rgba[o] !== bg[0] || rgba[o + 1] !== bg[1] || rgba[o + 2] !== bg[2]) farthest = Math.max(farthest, Math.hypot(x + 0.5 - spec.size / 2, y + 0.5 - spec.size / 2));
      }
    expect(farthest).toBeGreaterThan(0);
    expect(farthest).toBeLessThan(0.4 * spec.size);
  });
});
