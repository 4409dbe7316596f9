// Top bar: the active job with its progress and ETA, whether another tab runs the queue, whether the
// browser is offline, the active SAE, and the device state.
import { A } from '@solidjs/router';
import { Show } from 'solid-js';
import { activeJob, formatEta, waitingJobs } from '../state/jobs';
import { report, workerStatus } from '../state/gpu';
import { ProgressBar } from './ProgressBar';
import { ActiveSaeMenu } from './ActiveSaeMenu';
import { online } from '../pwa/register';
import type { JobRecord } from '../storage/db';

/** " · 1 paused, 2 waiting": jobs held by Pause are not said to be waiting. */
function queueSummary(jobs: JobRecord[]): string {
  const paused = jobs.filter((j) => j.status === 'paused').length;
  const waiting = jobs.length - paused;
  const parts = [paused ? `${paused} paused` : '', waiting ? `${waiting} waiting` : ''].filter(Boolean);
  return parts.length ? ` · ${parts.join(', ')}` : '';
}

export function Header() {
  const deviceLabel = () => {
    const r = report();
    if (workerStatus() === 'starting') return 'starting GPU worker…';
    if (workerStatus() === 'failed') return 'GPU worker failed';
    if (!r?.webgpu) return 'no WebGPU';
    if (r.device === 'lost') return 'GPU lost — re-acquiring';
    return r.adapter?.description || r.adapter?.architecture || r.adapter?.vendor || 'GPU ready';
  };
  return (
    <header class="header">
      <div class="header-job" data-testid="active-job">
        <Show when={activeJob()} fallback={<span class="muted">No job running{queueSummary(waitingJobs())}</span>}>
          {(job) => (
            <A href="/jobs" class="header-job-link">
              <span class="pulse" />
              <span class="header-job-title">{job().title}</span>
              <ProgressBar value={job().progress} label={`${job().title} progress`} />
              <span class="mono">{Math.round(job().progress * 100)}%</span>
              <span class="muted">{formatEta(job().etaMs)}</span>
            </A>
          )}
        </Show>
      </div>
      <Show when={report()?.queueOwner === false}>
        <span class="device-chip warn" data-testid="queue-elsewhere" title="Another tab of Lantern runs the job queue; this tab shows its jobs and takes over when that tab closes.">
          running in another tab
        </span>
      </Show>
      <Show when={!online()}>
        <span class="device-chip warn" data-testid="offline-chip" title="No network: everything stored here, the demo and cached models keep working; Hub downloads wait until the network is back.">
          offline
        </span>
      </Show>
      <ActiveSaeMenu />
      <div class={`device-chip ${report()?.device === 'ready' ? 'ok' : 'warn'}`} data-testid="device-chip">
        {deviceLabel()}
      </div>
    </header>
  );
}
