// The GPU worker's service: owns the one GPUDevice and the job queue. The worker entry
// only expose()s it; tests create it in-thread (Node + Dawn, fake-indexeddb).
import { acquireDevice, WebGpuUnavailableError, type AdapterReport } from '../gpu/device';
import { getDb, type JobPriority, type LanternDb } from '../storage/db';
import { createControlPoints, type ControlPoints } from './controlPoints';
import { QUEUE_CHANNEL, requestLeadership, type Leadership, type QueueMessage } from './leader';
import { JobQueue } from './queue';
import { selfTestJob } from './kinds/selfTest';
import { trainJob } from './kinds/train';
import { ingestJob } from './kinds/ingest';
import { tokenizeJob } from './kinds/tokenize';
import { extractJob } from './kinds/extract';
import { analyzeJob } from './kinds/analyze';
import { evalAfterTraining, evalJob } from './kinds/evaluate';
import { JobError, toErrorInfo, type EnqueueRequest, type JobEvent, type JobKind } from './types';
import { createSteeringService, type AblationRequest, type AblationView, type ChatRequest, type LensRequest, type LensResult, type SteerEvent, type SteerRequest } from '../steering/service';
import type { Side } from '../lm/sideBySide';

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
  /** Default and steered continuations side by side, streamed through `onEvent` (not a queued job: nothing is stored). */
  steer(req: SteerRequest, onEvent: (e: SteerEvent) => void): Promise<Record<Side, number[]>>;
  /** Ends the steering generation in progress (it rejects with code ABORTED). */
  stopSteering(): Promise<void>;
  /** A user message through the model's chat template (after any steering generation in progress). */
  chatPrompt(req: ChatRequest): Promise<string>;
  /** The logit lens of a prompt (after any steering generation in progress). */
  logitLens(req: LensRequest): Promise<LensResult>;
  /** Latents zeroed or scaled at their hook for a prompt (after any steering generation in progress). */
  ablate(req: AblationRequest): Promise<AblationView>;
}

export interface GpuServiceOptions {
  gpu?: GPU;
  db?: LanternDb;
  /** Web Locks (one queue across tabs); absent in Node. */
  locks?: LockManager;
  /** Extra job kinds; one named like a built-in kind replaces it (tests wrap built-ins this way). */
  kinds?: JobKind[];
}

/** How long a GPU error that mentions a lost device waits for the device to report the loss. */
const LOSS_REPORT_MS = 5_000;

/** The name under which a worker's control points are reachable from tests (e2e/control.ts). */
export const CONTROL_GLOBAL = 'lanternControl';

export function createGpuService(opts: GpuServiceOptions = {}): GpuApi & { device(): GPUDevice | undefined; controls: ControlPoints; close(): Promise<void> } {
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
  let leadership: Leadership | undefined;
  let closing = false;
  let initialised: Promise<SystemReport> | undefined;
  /** The device each job last asked for, to tell a failure caused by its loss from any other. */
  const devicesUsed = new Map<string, GPUDevice>();
  const steering = createSteeringService(db);
  let steeringAbort: AbortController | undefined;
  /** The generation in progress: a new one waits for it to end (one ORT run at a time). */
  let steeringRun: Promise<unknown> = Promise.resolve();
  /** Runs `f` once the steering call before it has ended (whether it failed or not), as the new last one. */
  const afterSteering = <T>(f: () => Promise<T>): Promise<T> => {
    const run = steeringRun.catch(() => undefined).then(f);
    steeringRun = run;
    return run;
  };

  const queue = new JobQueue({
    db,
    onEvent: (e) => {
      emit(e);
      // A training run on a model source is evaluated by itself once it finishes.
      if (e.type === 'job-finished' && !e.stopped) {
        void evalAfterTraining(db, e.jobId)
          .then((params) => params && queue.enqueue({ kind: 'eval', params, priority: 'low' }))
          .catch((err: unknown) => emit({ type: 'job-failed', jobId: e.jobId, title: `Evaluate the run of ${e.title}`, error: toErrorInfo(err) }));
      }
    },
    deviceLost: () => state === 'lost',
    async failedByDeviceLoss(error, jobId) {
      const used = devicesUsed.get(jobId);
      devicesUsed.delete(jobId);
      if (!used) return false;
      // Lost and perhaps already replaced; or failing before `lost` resolved, when the error says so.
      if (used !== device) return true;
      if (!/device (was |is )?lost|destroyed/i.test(toErrorInfo(error).message)) return false;
      return Promise.race([used.lost.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), LOSS_REPORT_MS))]);
    },
    context: (jobId) => ({
      db,
      jobId,
      device() {
        if (!device) {
          throw new JobError('webgpu-unavailable', reason ?? 'No GPU device is available.', { device: state });
        }
        devicesUsed.set(jobId, device);
        return device;
      },
      adapterName: () => adapter?.architecture || adapter?.vendor || adapter?.description || 'unknown',
    }),
  });
  const controls = createControlPoints((action, jobId) => (action === 'lose-device' ? device?.destroy() : queue[action](jobId)));
  const kinds = new Map<string, JobKind>();
  for (const kind of [selfTestJob, trainJob, ingestJob, tokenizeJob, extractJob, analyzeJob, evalJob, ...(opts.kinds ?? [])] as unknown as JobKind[]) kinds.set(kind.kind, kind);
  for (const kind of kinds.values()) queue.register(controls.wrap(kind));
  if ('WorkerGlobalScope' in globalThis) Object.assign(globalThis, { [CONTROL_GLOBAL]: controls });

  // Tabs that do not hold the queue send it new work and controls of the running job.
  const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(QUEUE_CHANNEL);
  const owner = () => leadership?.owner() ?? false;
  if (channel) {
    channel.onmessage = (e: MessageEvent<QueueMessage>) => {
      if (!owner()) return;
      if (e.data.type === 'kick') queue.kick();
      // A refusal here means the job ended meanwhile; its record (observed by every tab) says how.
      else void queue[e.data.action](e.data.id).catch(() => {});
    };
  }
  /** Wakes the queue here, and the one in the tab that holds it. */
  const kick = <T>(result: T): T => {
    channel?.postMessage({ type: 'kick' } satisfies QueueMessage);
    return result;
  };
  /** Pause, stop or cancel: a job running in another tab's queue is controlled there. */
  async function control(action: 'pause' | 'stop' | 'cancel', id: string): Promise<void> {
    if (!owner() && channel && (await db.jobs.get(id))?.status === 'running') {
      channel.postMessage({ type: 'control', action, id } satisfies QueueMessage);
      return;
    }
    await queue[action](id);
  }

  const report = (): SystemReport => ({ webgpu: Boolean(device) || state === 'lost', reason, adapter, device: state, deviceRestores, queueOwner: owner() });

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
    leadership = await requestLeadership(locks, async () => {
      await queue.recover();
      queue.start();
      emit({ type: 'queue-owner' });
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
    enqueue: async (req) => kick(await queue.enqueue(req)),
    pause: (id) => control('pause', id),
    resume: async (id) => kick(await queue.resume(id)),
    stop: (id) => control('stop', id),
    cancel: (id) => control('cancel', id),
    retry: async (id) => kick(await queue.retry(id)),
    setPriority: async (id, p) => kick(await queue.setPriority(id, p)),
    move: (id, d) => queue.move(id, d),
    async steer(req, onEvent) {
      steeringAbort?.abort();
      const abort = (steeringAbort = new AbortController());
      return afterSteering(() => steering.run(req, onEvent, abort.signal));
    },
    chatPrompt: (req) => afterSteering(() => steering.chatPrompt(req)),
    logitLens: (req) => afterSteering(() => steering.lens(req)),
    ablate: (req) => afterSteering(() => steering.ablate(req)),
    async stopSteering() {
      steeringAbort?.abort();
    },
    device: () => device,
    controls,
    async close() {
      closing = true;
      await queue.close();
      await steering.release();
      leadership?.release();
      channel?.close();
      device?.destroy();
    },
  };
}
