// One queued, running or paused job inline in the card that started it: its status, a progress bar
// and percentage, its latest message and time left, and the controls its status allows.
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
