// WebGPU adapter/device acquisition shared by the browser worker, Node tests and benches.
// Asks for the adapter's own limits so big SAE buffers fit wherever the hardware allows.

/** Optional features we use when the adapter has them. */
const WANTED_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups', 'shader-f16'];

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for SwiftShader and other CPU emulators. */
  isFallback: boolean;
  limits: Record<string, number>;
  features: string[];
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
}

export interface AcquiredDevice {
  adapter: GPUAdapter;
  device: GPUDevice;
  report: AdapterReport;
}

export class WebGpuUnavailableError extends Error {
  readonly code = 'webgpu-unavailable';
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'WebGpuUnavailableError';
  }
}

/** Every numeric limit of a GPUSupportedLimits object, by name. */
export function limitsRecord(limits: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key in limits) {
    const v = (limits as unknown as Record<string, unknown>)[key];
    if (typeof v === 'number') out[key] = v;
  }
  return out;
}

export function describeAdapter(adapter: GPUAdapter): AdapterReport {
  const info = adapter.info;
  const extra = info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number; isFallbackAdapter?: boolean };
  const architecture = info.architecture ?? '';
  return {
    vendor: info.vendor ?? '',
    architecture,
    device: info.device ?? '',
    description: info.description ?? '',
    isFallback: Boolean(extra.isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe/i.test(`${architecture} ${info.description}`),
    limits: limitsRecord(adapter.limits),
    features: [...adapter.features].map(String).sort(),
    subgroupMinSize: extra.subgroupMinSize,
    subgroupMaxSize: extra.subgroupMaxSize,
  };
}

/**
 * Requests an adapter and a device with the adapter's full limits (or lower `caps`).
 * Throws WebGpuUnavailableError with a reason a person can act on.
 */
export async function acquireDevice(gpu: GPU | undefined, label = 'lantern', caps: Record<string, number> = {}): Promise<AcquiredDevice> {
  if (!gpu) {
    throw new WebGpuUnavailableError(
      'WebGPU is not available in this browser. Use a recent Chromium-based browser with WebGPU enabled.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'The browser exposes WebGPU but found no GPU adapter. Check that hardware acceleration is on (chrome://gpu).',
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const [k, v] of Object.entries(limitsRecord(adapter.limits))) requiredLimits[k] = Math.min(v, caps[k] ?? v);
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ label, requiredLimits, requiredFeatures });
  return { adapter, device, report: describeAdapter(adapter) };
}
