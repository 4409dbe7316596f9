// The GPU worker's service: owns the one GPUDevice and the job queue. The worker entry
// only expose()s it; tests create it in-thread (Node + Dawn, fake-indexeddb).
import { acquireDevice, WebGpuUnavailableError, type AdapterReport } from '../gpu/device';
import { getDb, type JobPriority, type LanternDb } from '../storage/db';
import { JobQueue } from './queue';
import { selfTestJob } from './kinds/selfTest';
import { trainJob } from './kinds/train';
import { ingestJob } from './kinds/ingest';
import { tokenizeJob } from './kinds/tokenize';
import { extractJob } from './kinds/extract';
import { analyzeJob } from './kinds/analyze';
import { JobError, type EnqueueRequest, type JobEvent, type JobKind } from './types';

export type DeviceState = 'none' | 'ready' | 'lost';

export interface SystemReport {
  webgpu: boolean;
  /** Why WebGPU is unavailable, in words a person can act on. */
  reason?: string;
  adapter?: AdapterReport;
  device: DeviceState;
  /** How many times the device was lost and re-acquired. */
  deviceRestores: number;
  /** False while another tab's worker holds the queue. */
  queueOwner: boolean;
}

/** What the UI can ask of the GPU worker (comlink): plain data in, plain data out. */
export interface GpuApi {
  init(onEvent: (e: JobEvent) => void): Promise<SystemReport>;
  report(): Promise<SystemReport>;
  enqueue(req: EnqueueRequest): Promise<string>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  cancel(id: string): Promise<void>;
  retry(id: string): Promise<void>;
  setPriority(id: string, priority: JobPriority): Promise<void>;
  move(id: string, direction: 'up' | 'down'): Promise<void>;
}

export interface GpuServiceOptions {
  gpu?: GPU;
  db?: LanternDb;
  /** Web Locks (one queue across tabs); absent in Node. */
  locks?: LockManager;
  /** Extra job kinds; one named like a built-in kind replaces it (tests wrap built-ins this way). */
  kinds?: JobKind[];
}

const QUEUE_LOCK = 'lantern-job-queue';

export function createGpuService(opts: GpuServiceOptions = {}): GpuApi & { device(): GPUDevice | undefined; close(): Promise<void> } {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  const gpu = opts.gpu ?? nav?.gpu;
  const locks = opts.locks ?? nav?.locks;
  const db = opts.db ?? getDb();
  let emit: (e: JobEvent) => void = () => {};
  let device: GPUDevice | undefined;
  let adapter: AdapterReport | undefined;
  let reason: string | undefined;
  let state: DeviceState = 'none';
  let deviceRestores = 0;
  let queueOwner = false;
  let closing = false;
  let initialised: Promise<SystemReport> | undefined;

  const queue = new JobQueue({
    db,
    onEvent: (e) => emit(e),
    deviceLost: () => state === 'lost',
    context: (jobId) => ({
      db,
      jobId,
      device() {
        if (!device) {
          throw new JobError('webgpu-unavailable', reason ?? 'No GPU device is available.', { device: state });
        }
        return device;
      },
      adapterName: () => adapter?.architecture || adapter?.vendor || adapter?.description || 'unknown',
    }),
  });
  const kinds = new Map<string, JobKind>();
  for (const kind of [selfTestJob, trainJob, ingestJob, tokenizeJob, extractJob, analyzeJob, ...(opts.kinds ?? [])] as unknown as JobKind[]) kinds.set(kind.kind, kind);
  for (const kind of kinds.values()) queue.register(kind);

  const report = (): SystemReport => ({ webgpu: Boolean(device) || state === 'lost', reason, adapter, device: state, deviceRestores, queueOwner });

  /** 1. Acquire, 2. watch for loss, 3. on loss re-acquire (with back-off) and let the queue resume. */
  async function acquire(): Promise<void> {
    const acquired = await acquireDevice(gpu);
    device = acquired.device;
    adapter = acquired.report;
    state = 'ready';
    reason = undefined;
    acquired.device.lost.then(async (info) => {
      if (closing || device !== acquired.device) return;
      device = undefined;
      state = 'lost';
      emit({ type: 'device-lost', reason: info.message || info.reason || 'unknown' });
      for (let attempt = 0; !closing; attempt++) {
        try {
          await acquire();
          deviceRestores++;
          emit({ type: 'device-restored', adapter: adapter?.description || adapter?.architecture || 'GPU' });
          queue.kick();
          return;
        } catch (e) {
          reason = e instanceof Error ? e.message : String(e);
          await new Promise((r) => setTimeout(r, Math.min(10_000, 250 * 2 ** attempt)));
        }
      }
    });
  }

  /** Recovery and the run loop happen only in the tab holding the queue lock. */
  async function startQueue(): Promise<void> {
    const run = async () => {
      queueOwner = true;
      await queue.recover();
      queue.start();
    };
    if (!locks) return run();
    // Held for the worker's lifetime: a second tab waits here until the first one closes.
    await new Promise<void>((owned) => {
      void locks.request(QUEUE_LOCK, { ifAvailable: true }, async (lock) => {
        if (!lock) {
          owned();
          void locks.request(QUEUE_LOCK, () => run().then(() => new Promise<void>(() => {})));
          return;
        }
        await run();
        owned();
        return new Promise<void>(() => {});
      });
    });
  }

  async function doInit(): Promise<SystemReport> {
    try {
      await acquire();
    } catch (e) {
      if (!(e instanceof WebGpuUnavailableError)) throw e;
      reason = e.message;
    }
    await startQueue();
    return report();
  }

  return {
    init(onEvent) {
      emit = onEvent;
      initialised ??= doInit();
      return initialised;
    },
    async report() {
      return report();
    },
    enqueue: (req) => queue.enqueue(req),
    pause: (id) => queue.pause(id),
    resume: (id) => queue.resume(id),
    stop: (id) => queue.stop(id),
    cancel: (id) => queue.cancel(id),
    retry: (id) => queue.retry(id),
    setPriority: (id, p) => queue.setPriority(id, p),
    move: (id, d) => queue.move(id, d),
    device: () => device,
    async close() {
      closing = true;
      await queue.close();
      device?.destroy();
    },
  };
}
