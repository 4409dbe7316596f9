// Draws the app's PNG icons (public/icons/) from the shapes of public/icon.svg, deterministically:
// analytic shapes, 4×4 supersampling per pixel, a plain PNG encoder. `node scripts/run.mjs scripts/make-icons.ts`.
import { writeFileSync, mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

type Rgb = [number, number, number];

const BG: Rgb = [0x0f, 0x17, 0x2a];
const EMERALD: Rgb = [0x34, 0xd3, 0x99];
const AMBER: Rgb = [0xfb, 0xbf, 0x24];

/** Signed distance (in icon units, negative inside) to a rounded rectangle. */
function roundedRect(x: number, y: number, rx: number, ry: number, w: number, h: number, r: number): number {
  const qx = Math.abs(x - (rx + w / 2)) - (w / 2 - r);
  const qy = Math.abs(y - (ry + h / 2)) - (h / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Inside the convex polygon (vertices clockwise in screen coordinates). */
function inPolygon(x: number, y: number, pts: [number, number][]): boolean {
  for (let i = 0; i < pts.length; i++) {
    const [ax, ay] = pts[i];
    const [bx, by] = pts[(i + 1) % pts.length];
    if ((bx - ax) * (y - ay) - (by - ay) * (x - ax) < 0) return false;
  }
  return true;
}

/** Distance to the segment (ax, ay)–(bx, by). */
function segment(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(x - ax - t * (bx - ax), y - ay - t * (by - ay));
}

/** The lantern glyph of icon.svg (64-unit view box): its colour at (x, y), or null where it is not drawn. */
function glyph(x: number, y: number): Rgb | null {
  if (Math.hypot(x - 32, y - 33) <= 5) return AMBER;
  if (inPolygon(x, y, [[24, 14], [40, 14], [38, 20], [26, 20]])) return EMERALD;
  if (Math.abs(roundedRect(x, y, 22, 20, 20, 26, 6)) <= 1.5) return EMERALD;
  if (segment(x, y, 26, 50, 38, 50) <= 1.5) return EMERALD;
  return null;
}

export interface IconSpec {
  file: string;
  size: number;
  /** Maskable: a full-bleed square background and the glyph shrunk into the central safe zone. */
  maskable: boolean;
}

export const ICONS: IconSpec[] = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-maskable-512.png', size: 512, maskable: true },
];

const SS = 4;
/** The maskable glyph's scale about the icon's centre: it stays inside the 80% safe circle with room to spare. */
const MASKABLE_SCALE = 0.8;

/** RGBA pixels [size, size, 4] of one icon. */
export function drawIcon(spec: IconSpec): Uint8Array {
  const { size, maskable } = spec;
  const px = new Uint8Array(size * size * 4);
  const unit = 64 / size;
  for (let py = 0; py < size; py++) {
    for (let pxi = 0; pxi < size; pxi++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      // 1. Average SS×SS samples of the composited shapes: background first, the glyph over it.
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const x = (pxi + (sx + 0.5) / SS) * unit;
          const y = (py + (sy + 0.5) / SS) * unit;
          const inBg = maskable || roundedRect(x, y, 0, 0, 64, 64, 14) <= 0;
          if (!inBg) continue;
          const gx = maskable ? 32 + (x - 32) / MASKABLE_SCALE : x;
          const gy = maskable ? 32 + (y - 32) / MASKABLE_SCALE : y;
          const c = glyph(gx, gy) ?? BG;
          r += c[0];
          g += c[1];
          b += c[2];
          a += 1;
        }
      }
      // 2. Straight (non-premultiplied) alpha: colour averaged over the covered samples.
      const o = (py * size + pxi) * 4;
      if (a) {
        px[o] = Math.round(r / a);
        px[o + 1] = Math.round(g / a);
        px[o + 2] = Math.round(b / a);
        px[o + 3] = Math.round((255 * a) / (SS * SS));
      }
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An 8-bit RGBA PNG of `rgba` ([size, size, 4]). */
export function encodePng(rgba: Uint8Array, size: number): Uint8Array {
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, size);
  hv.setUint32(4, size);
  header.set([8, 6, 0, 0, 0], 8);
  // Each scanline starts with filter type 0 (none).
  const raw = new Uint8Array(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) raw.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array())];
  return Buffer.concat(parts);
}

export function main(): number {
  const dir = new URL('../public/icons/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  for (const spec of ICONS) {
    writeFileSync(new URL(spec.file, dir), encodePng(drawIcon(spec), spec.size));
    console.log(`public/icons/${spec.file} (${spec.size}×${spec.size}${spec.maskable ? ', maskable' : ''})`);
  }
  return 0;
}
