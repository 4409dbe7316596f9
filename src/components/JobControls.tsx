// The buttons that fit a job's status: pause, resume, stop, cancel, retry, reorder.
import { Show } from 'solid-js';
import type { JobRecord } from '../storage/db';
import { act, gpu } from '../state/gpu';

export function JobControls(props: { job: JobRecord; reorder?: boolean }) {
  const s = () => props.job.status;
  const id = () => props.job.id;
  return (
    <div class="btn-row">
      <Show when={s() === 'running' || s() === 'queued'}>
        <button class="btn btn-sm" onClick={() => act('pause the job', () => gpu().pause(id()))}>
          Pause
        </button>
      </Show>
      <Show when={s() === 'paused'}>
        <button class="btn btn-sm btn-primary" onClick={() => act('resume the job', () => gpu().resume(id()))}>
          Resume
        </button>
      </Show>
      <Show when={s() === 'running' || (s() === 'paused' && props.job.state !== undefined)}>
        <button class="btn btn-sm" title="Keep the work done so far and finish now" onClick={() => act('stop the job', () => gpu().stop(id()))}>
          Stop
        </button>
      </Show>
      <Show when={s() === 'running' || s() === 'queued' || s() === 'paused'}>
        <button class="btn btn-sm btn-danger" onClick={() => act('cancel the job', () => gpu().cancel(id()))}>
          Cancel
        </button>
      </Show>
      <Show when={s() === 'failed' || s() === 'cancelled'}>
        <button class="btn btn-sm" onClick={() => act('retry the job', () => gpu().retry(id()))}>
          Retry
        </button>
      </Show>
      <Show when={props.reorder && (s() === 'queued' || s() === 'paused')}>
        <button class="btn btn-sm" aria-label="Move up" onClick={() => act('reorder', () => gpu().move(id(), 'up'))}>
          ↑
        </button>
        <button class="btn btn-sm" aria-label="Move down" onClick={() => act('reorder', () => gpu().move(id(), 'down'))}>
          ↓
        </button>
        <select
          class="select-sm"
          aria-label="Priority"
          value={props.job.priority}
          onChange={(e) => act('change the priority', () => gpu().setPriority(id(), e.currentTarget.value as JobRecord['priority']))}
        >
          <option value="high">high</option>
          <option value="normal">normal</option>
          <option value="low">low</option>
        </select>
      </Show>
    </div>
  );
}
