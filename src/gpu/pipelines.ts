// Pipeline cache and one-call bind helpers shared by every kernel launcher: a launcher turns
// its buffers into a `KernelCall` once, and a trainer records the same calls every step.

/** One prepared dispatch: pipeline, bound buffers and workgroup counts. */
export interface KernelCall {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

const cache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** A compute pipeline for (source, entry point, override constants), compiled once per device. */
export function cachedPipeline(
  device: GPUDevice,
  label: string,
  code: string,
  entryPoint = 'main',
  constants: Record<string, number> = {},
): GPUComputePipeline {
  let byKey = cache.get(device);
  if (!byKey) {
    byKey = new Map();
    cache.set(device, byKey);
  }
  const key = `${label}|${entryPoint}|${JSON.stringify(constants)}`;
  let p = byKey.get(key);
  if (!p) {
    const module = device.createShaderModule({ label, code });
    p = device.createComputePipeline({ label: `${label}.${entryPoint}`, layout: 'auto', compute: { module, entryPoint, constants } });
    byKey.set(key, p);
  }
  return p;
}

const placeholders = new WeakMap<GPUDevice, GPUBuffer[]>();

/**
 * A small zeroed buffer bound where an entry point declares a resource that its current
 * override mode never reads (WebGPU still requires a binding for every static use). Writable
 * bindings may not alias, so each `slot` gets its own buffer.
 */
export function placeholder(device: GPUDevice, slot = 0): GPUBuffer {
  let list = placeholders.get(device);
  if (!list) {
    list = [];
    placeholders.set(device, list);
  }
  // STORAGE | UNIFORM | COPY_DST, sized for the largest uniform struct.
  list[slot] ??= device.createBuffer({ label: `placeholder-${slot}`, size: 64, usage: 0x80 | 0x40 | 0x8 });
  return list[slot];
}

/** Binds `buffers[i]` to @binding(i) of group 0; `undefined` entries are skipped (not referenced by that entry point). */
export function makeCall(
  device: GPUDevice,
  label: string,
  pipeline: GPUComputePipeline,
  buffers: (GPUBuffer | undefined)[],
  workgroups: [number, number?, number?],
): KernelCall {
  const entries: GPUBindGroupEntry[] = [];
  buffers.forEach((buffer, binding) => {
    if (buffer) entries.push({ binding, resource: { buffer } });
  });
  const bindGroup = device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
  return { label, pipeline, bindGroup, workgroups: [Math.max(1, workgroups[0]), Math.max(1, workgroups[1] ?? 1), Math.max(1, workgroups[2] ?? 1)] };
}

export function encodeCall(pass: GPUComputePassEncoder, call: KernelCall): void {
  pass.setPipeline(call.pipeline);
  pass.setBindGroup(0, call.bindGroup);
  pass.dispatchWorkgroups(...call.workgroups);
}

/** Records `calls` in one compute pass and submits it (tests and one-off launches). */
export function submitCalls(device: GPUDevice, calls: KernelCall[]): void {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  for (const call of calls) encodeCall(pass, call);
  pass.end();
  device.queue.submit([enc.finish()]);
}

/** Workgroups needed to cover `n` items with `size` per workgroup. */
export function groups(n: number, size: number): number {
  return Math.ceil(n / size);
}

/** A 1-D launch of `n` items split over x and y when it exceeds the 65535-workgroup limit per dimension. */
export function grid(n: number, size: number): [number, number] {
  const total = Math.max(1, Math.ceil(n / size));
  if (total <= 65535) return [total, 1];
  const y = Math.ceil(total / 65535);
  return [Math.ceil(total / y), y];
}
