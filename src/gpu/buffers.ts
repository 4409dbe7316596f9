// Small helpers for storage/uniform buffers and readback, shared by every kernel launcher.

/** GPUBufferUsage / GPUMapMode flag values from the WebGPU spec, usable before any GPU global exists (Node). */
export const Usage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_MODE_READ = 0x1;

export const STORAGE = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;

/** A storage buffer holding `data` (or `byteLength` zero bytes), size rounded up to 4 bytes. */
export function storageBuffer(device: GPUDevice, data: ArrayBufferView | number, label?: string): GPUBuffer {
  const byteLength = typeof data === 'number' ? data : data.byteLength;
  const buffer = device.createBuffer({ label, size: Math.max(4, Math.ceil(byteLength / 4) * 4), usage: STORAGE });
  if (typeof data !== 'number') device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** A uniform buffer of u32/f32 words (padded to 16 bytes). */
export function uniformBuffer(device: GPUDevice, words: ArrayBuffer, label?: string): GPUBuffer {
  const size = Math.max(16, Math.ceil(words.byteLength / 16) * 16);
  const buffer = device.createBuffer({ label, size, usage: Usage.UNIFORM | Usage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, words);
  return buffer;
}

/** Copies `byteLength` bytes of `src` to the CPU and returns them as f32. */
export async function readFloat32(device: GPUDevice, src: GPUBuffer, byteLength = src.size): Promise<Float32Array> {
  return new Float32Array(await readBytes(device, src, byteLength));
}

export async function readBytes(device: GPUDevice, src: GPUBuffer, byteLength = src.size): Promise<ArrayBuffer> {
  return (await readParts(device, [{ buffer: src, bytes: byteLength }]))[0];
}

/** Several buffers' leading bytes (multiples of 4) read back through one staging copy. */
export async function readParts(device: GPUDevice, parts: { buffer: GPUBuffer; bytes: number }[]): Promise<ArrayBuffer[]> {
  const total = parts.reduce((a, p) => a + p.bytes, 0);
  if (total === 0) return parts.map(() => new ArrayBuffer(0));
  const staging = device.createBuffer({ label: 'readback', size: total, usage: Usage.MAP_READ | Usage.COPY_DST });
  const enc = device.createCommandEncoder();
  let at = 0;
  for (const p of parts) {
    if (p.bytes) enc.copyBufferToBuffer(p.buffer, 0, staging, at, p.bytes);
    at += p.bytes;
  }
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(MAP_MODE_READ);
  const all = staging.getMappedRange();
  at = 0;
  const out = parts.map((p) => all.slice(at, (at += p.bytes)));
  staging.unmap();
  staging.destroy();
  return out;
}
