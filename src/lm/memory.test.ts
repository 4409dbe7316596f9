// The model memory estimate: KV cache, activations and weights at a batch and context, by hand at
// GPT-2 small's shapes, and the checks against the device's buffer limits and the wasm heap.
import { describe, expect, it } from 'vitest';
import { elementBytesOf, estimateModelMemory, memoryProblem, WASM_HEAP_BYTES, type ModelShape } from './memory';

const GPT2_SMALL: ModelShape = { nLayers: 12, dModel: 768, nHeads: 12, nKvHeads: 12, dHead: 64, dMlp: 3072, vocabSize: 50257 };
const SWIFTSHADER = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 31 };
const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

describe('estimateModelMemory', () => {
  it('counts the KV cache and the logits of GPT-2 small at batch 8, context 128 exactly', () => {
    const est = estimateModelMemory({ shape: GPT2_SMALL, weightBytes: 500e6, elementBytes: 4, batch: 8, context: 128 }, SWIFTSHADER);
    // 2 (K, V) · 12 layers · 8 contexts · 12 heads · 128 tokens · 64 dims · 4 bytes.
    expect(est.kvCacheBytes).toBe(75_497_472);
    // Logits 8 · 128 · 50257 · 4 are the largest tensor.
    expect(est.largestTensorBytes).toBe(205_852_672);
    const tokens = 8 * 128;
    const block = tokens * (3 * 768 + 768 + 2 * 768) * 4 + 8 * 12 * 128 * 128 * 4 + 2 * tokens * 3072 * 4;
    expect(est.activationBytes).toBe(block + 205_852_672 + tokens * 768 * 4);
    expect(est.totalBytes).toBe(500e6 + est.kvCacheBytes + est.activationBytes);
    expect(est.fits).toBe(true);
    expect(est.checks.map((c) => c.limit)).toEqual(['wasm heap', 'maxStorageBufferBindingSize', 'maxBufferSize']);
    expect(memoryProblem(est, mb)).toBeUndefined();
  });

  it('scales the KV cache with batch and context, shrinks it with grouped KV heads, and halves it in fp16', () => {
    const base = { shape: GPT2_SMALL, weightBytes: 0, elementBytes: 4 as const, batch: 4, context: 64 };
    const kv = (over: object) => estimateModelMemory({ ...base, ...over }).kvCacheBytes;
    expect(kv({ batch: 8 })).toBe(2 * kv({}));
    expect(kv({ context: 128 })).toBe(2 * kv({}));
    expect(kv({ shape: { ...GPT2_SMALL, nKvHeads: 4 } })).toBe(kv({}) / 3);
    expect(kv({ elementBytes: 2 })).toBe(kv({}) / 2);
    expect(elementBytesOf('fp16')).toBe(2);
    expect(elementBytesOf('q4f16')).toBe(2);
    expect(elementBytesOf('q8')).toBe(4);
    expect(elementBytesOf(undefined)).toBe(4);
  });

  it('a batch whose logits exceed the storage binding limit is refused, naming the limit', () => {
    const est = estimateModelMemory({ shape: GPT2_SMALL, weightBytes: 500e6, elementBytes: 4, batch: 8, context: 1024 }, SWIFTSHADER);
    expect(est.largestTensorBytes).toBe(8 * 1024 * 50257 * 4);
    expect(est.fits).toBe(false);
    expect(est.checks.find((c) => c.limit === 'maxStorageBufferBindingSize')!.ok).toBe(false);
    expect(memoryProblem(est, mb)).toMatch(/largest tensor need 1571 MiB, over this device's maxStorageBufferBindingSize \(1024 MiB\)/);
  });

  it('without WebGPU limits only the wasm heap is checked; a model over 4 GiB in all does not fit', () => {
    const est = estimateModelMemory({ shape: GPT2_SMALL, weightBytes: WASM_HEAP_BYTES - 1e6, elementBytes: 4, batch: 1, context: 32 });
    expect(est.checks).toHaveLength(1);
    expect(est.fits).toBe(false);
    expect(memoryProblem(est, mb)).toMatch(/the 4 GiB an ONNX Runtime Web \(wasm32\) heap can address/);
  });
});
