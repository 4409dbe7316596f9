// The "new version ready" toast: offers to reload into the waiting service worker's version, and says
// what happens to a running job first (it resumes from its last step after the reload).
import { Show, createSignal } from 'solid-js';
import { applyUpdate, updateWaiting } from '../pwa/register';
import { activeJob } from '../state/jobs';
import './updateToast.css';

export function UpdateToast() {
  const [later, setLater] = createSignal(false);
  return (
    <Show when={updateWaiting() && !later()}>
      <div class="update-toast toast" role="status" data-testid="update-toast">
        <div class="toast-title">A new version of Lantern is ready</div>
        <Show when={activeJob()} fallback={<div class="toast-body">Reload to use it; nothing stored is touched.</div>}>
          {(job) => (
            <div class="toast-body" data-testid="update-job-warning">
              "{job().title}" is running: a reload pauses it and it resumes from its last saved step.
            </div>
          )}
        </Show>
        <div class="btn-row">
          <button class="btn btn-sm btn-primary" data-testid="update-reload" onClick={applyUpdate}>
            {activeJob() ? 'Reload anyway' : 'Reload'}
          </button>
          <button class="btn btn-sm" onClick={() => setLater(true)}>
            Later
          </button>
        </div>
      </div>
    </Show>
  );
}
