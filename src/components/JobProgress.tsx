// One queued, running or paused job inline in the card that started it: its status, a progress bar
// and percentage, its latest message and time left, and the controls its status allows; with no such
// job, why the last one failed.
import { Show } from 'solid-js';
import type { JobRecord } from '../storage/db';
import { formatEta } from '../state/jobs';
import { JobControls } from './JobControls';
import { ProgressBar } from './ProgressBar';

export function JobProgress(props: { job: JobRecord; label: string; testid: string }) {
  return (
    <div class="job-inline" data-testid={props.testid}>
      <span class="muted small">{props.job.status}</span>
      <ProgressBar value={props.job.progress} label={props.label} />
      <span class="mono small">{Math.round(props.job.progress * 100)}%</span>
      <span class="muted small">
        {props.job.message} {formatEta(props.job.etaMs)}
      </span>
      <JobControls job={props.job} />
    </div>
  );
}

/** The card's unfinished job among `jobs` (newest first), and its last failed one. */
export function cardJobs(jobs: JobRecord[], mine: (j: JobRecord) => boolean): { active?: JobRecord; failed?: JobRecord } {
  return { active: jobs.find((j) => mine(j) && ['queued', 'running', 'paused'].includes(j.status)), failed: jobs.find((j) => mine(j) && j.status === 'failed') };
}

/** The unfinished job's progress (`<testid>-job`), else the last failure's message (`<testid>-error`). */
export function JobState(props: { active?: JobRecord; failed?: JobRecord; what: string; label: string; testid: string }) {
  return (
    <Show
      when={props.active}
      fallback={
        <Show when={props.failed?.error}>
          {(err) => (
            <p class="error-text small" data-testid={`${props.testid}-error`} role="alert">
              The last {props.what} failed: {err().message}
            </p>
          )}
        </Show>
      }
    >
      {(j) => <JobProgress job={j()} label={props.label} testid={`${props.testid}-job`} />}
    </Show>
  );
}
