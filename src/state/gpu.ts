// The main thread's handle on the GPU worker: a comlink proxy of GpuApi, the system report
// as a signal, and job/device events turned into toasts.
import { proxy, wrap, type Remote } from 'comlink';
import { createSignal } from 'solid-js';
import type { GpuApi, SystemReport } from '../jobs/gpuService';
import type { JobEvent } from '../jobs/types';
import { toast } from './toasts';

export type WorkerStatus = 'starting' | 'ready' | 'failed';

const [report, setReport] = createSignal<SystemReport | undefined>();
const [workerStatus, setWorkerStatus] = createSignal<WorkerStatus>('starting');
const [workerError, setWorkerError] = createSignal<string | undefined>();

let api: Remote<GpuApi> | undefined;

function onEvent(e: JobEvent): void {
  switch (e.type) {
    case 'job-started':
      toast('info', `${e.resumed ? 'Resumed' : 'Started'}: ${e.title}`);
      break;
    case 'job-finished':
      toast('success', `${e.stopped ? 'Stopped' : 'Finished'}: ${e.title}`);
      break;
    case 'job-failed':
      toast('error', `Failed: ${e.title}`, e.error.message);
      break;
    case 'job-paused':
      if (e.reason) toast('error', `Paused: ${e.title}`, e.reason);
      else toast('info', `Paused: ${e.title}`);
      break;
    case 'job-cancelled':
      toast('info', `Cancelled: ${e.title}`);
      break;
    case 'device-lost':
      toast('error', 'GPU device lost', `${e.reason}. Re-acquiring it; running jobs resume from their last step.`);
      break;
    case 'device-restored':
      toast('success', 'GPU device restored', e.adapter);
      break;
    case 'queue-owner':
      if (report()?.queueOwner === false) toast('info', 'This tab now runs the job queue', 'The tab that ran it was closed; its jobs resume here.');
      break;
  }
  void refreshReport();
}

async function refreshReport(): Promise<void> {
  if (api) setReport(await api.report());
}

/** Starts the worker once; later calls return the same proxy. */
export function gpu(): Remote<GpuApi> {
  if (!api) {
    const worker = new Worker(new URL('../../workers/gpu.worker.ts', import.meta.url), { type: 'module', name: 'lantern-gpu' });
    worker.addEventListener('error', (e) => {
      setWorkerStatus('failed');
      setWorkerError(e.message || 'The GPU worker failed to start.');
    });
    api = wrap<GpuApi>(worker);
    api
      .init(proxy(onEvent))
      .then((r) => {
        setReport(r);
        setWorkerStatus('ready');
      })
      .catch((e: unknown) => {
        setWorkerStatus('failed');
        setWorkerError(e instanceof Error ? e.message : String(e));
      });
  }
  return api;
}

/** Runs a worker call; a rejection becomes an error toast instead of an unhandled promise. */
export async function act(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (e) {
    toast('error', `Could not ${what}`, e instanceof Error ? e.message : String(e));
  }
}

export { report, workerStatus, workerError };
