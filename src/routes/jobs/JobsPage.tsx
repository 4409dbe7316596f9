// Jobs: the queue (running, waiting, with controls and reordering) and the history.
import { For, Show } from 'solid-js';
import { JobControls } from '../../components/JobControls';
import { ProgressBar } from '../../components/ProgressBar';
import { allJobs, formatEta, waitingJobs } from '../../state/jobs';
import type { JobRecord } from '../../storage/db';

function JobRow(props: { job: JobRecord; reorder?: boolean }) {
  return (
    <tr data-testid="job-row" data-status={props.job.status}>
      <td>
        <div>{props.job.title}</div>
        <div class="muted small mono">{props.job.id}</div>
      </td>
      <td>
        <span class={`badge status-${props.job.status}`}>{props.job.status}</span>
        <Show when={props.job.interrupted}>
          <span class="badge badge-warn" title="Stopped by a reload or crash; Resume continues from the last step">interrupted</span>
        </Show>
        <Show when={props.job.stopped}>
          <span class="badge">stopped early</span>
        </Show>
      </td>
      <td>{props.job.priority}</td>
      <td class="progress-cell">
        <ProgressBar value={props.job.progress} label={`${props.job.title} progress`} />
        <span class="mono small">
          {Math.round(props.job.progress * 100)}% {formatEta(props.job.etaMs)}
        </span>
      </td>
      <td class="small">
        <Show when={props.job.error} fallback={<span class="muted">{props.job.message ?? ''}</span>}>
          {(err) => (
            <span class="error-text" title={JSON.stringify(err().details ?? {})}>
              {err().code}: {err().message}
            </span>
          )}
        </Show>
      </td>
      <td>
        <JobControls job={props.job} reorder={props.reorder} />
      </td>
    </tr>
  );
}

function JobTable(props: { jobs: JobRecord[]; reorder?: boolean; empty: string; testid: string }) {
  return (
    <table class="table" data-testid={props.testid}>
      <thead>
        <tr>
          <th>Job</th>
          <th>Status</th>
          <th>Priority</th>
          <th>Progress</th>
          <th>Message</th>
          <th />
        </tr>
      </thead>
      <tbody>
        <For each={props.jobs} fallback={<tr><td colspan="6" class="muted">{props.empty}</td></tr>}>
          {(job) => <JobRow job={job} reorder={props.reorder} />}
        </For>
      </tbody>
    </table>
  );
}

export function JobsPage() {
  const running = () => allJobs().filter((j) => j.status === 'running');
  const history = () => allJobs().filter((j) => j.status === 'done' || j.status === 'failed' || j.status === 'cancelled');
  return (
    <section class="page">
      <h1>Jobs</h1>
      <div class="card">
        <h2>Queue</h2>
        <p class="muted">One job runs on the GPU at a time: high before normal before low, first in first out within a level.</p>
        <JobTable jobs={[...running(), ...waitingJobs()]} reorder empty="Nothing running or waiting." testid="job-queue" />
      </div>
      <div class="card">
        <h2>History</h2>
        <JobTable jobs={history()} empty="No finished jobs yet." testid="job-history" />
      </div>
    </section>
  );
}
