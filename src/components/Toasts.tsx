// Toast stack, bottom right.
import { For } from 'solid-js';
import { dismissToast, toasts } from '../state/toasts';

export function Toasts() {
  return (
    <div class="toasts" aria-live="polite">
      <For each={toasts}>
        {(t) => (
          <div class={`toast toast-${t.tone}`} role={t.tone === 'error' ? 'alert' : 'status'} data-testid="toast">
            <div class="toast-title">{t.title}</div>
            {t.body && <div class="toast-body">{t.body}</div>}
            <button class="toast-close" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
              ×
            </button>
          </div>
        )}
      </For>
    </div>
  );
}
