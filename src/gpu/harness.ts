// Upload/readback shorthands for kernel tests and one-off launches (not for per-step training use).
import { readBytes, storageBuffer, uniformBuffer } from './buffers';
import { submitCalls, type KernelCall } from './pipelines';

/** A storage buffer holding a copy of `data` (f32 or u32). */
export function upload(device: GPUDevice, data: Float32Array | Uint32Array): GPUBuffer {
  return storageBuffer(device, data);
}

/** A zeroed storage buffer of `n` 4-byte words. */
export function zeros(device: GPUDevice, n: number): GPUBuffer {
  return storageBuffer(device, Math.max(1, n) * 4);
}

export async function readF32(device: GPUDevice, buf: GPUBuffer, n: number): Promise<Float32Array> {
  return new Float32Array(await readBytes(device, buf, Math.max(1, n) * 4)).subarray(0, n);
}

export async function readU32(device: GPUDevice, buf: GPUBuffer, n: number): Promise<Uint32Array> {
  return new Uint32Array(await readBytes(device, buf, Math.max(1, n) * 4)).subarray(0, n);
}

/** A uniform buffer of f32 words (e.g. the StepParams struct). */
export function uniformF32(device: GPUDevice, words: Float32Array): GPUBuffer {
  return uniformBuffer(device, words.buffer.slice(words.byteOffset, words.byteOffset + words.byteLength) as ArrayBuffer);
}

/** Submits `calls` in one pass and rejects with the first validation error, if any. */
export async function runChecked(device: GPUDevice, calls: KernelCall[]): Promise<void> {
  device.pushErrorScope('validation');
  submitCalls(device, calls);
  const error = await device.popErrorScope();
  if (error) throw new Error(`GPU validation error: ${error.message}`);
}
