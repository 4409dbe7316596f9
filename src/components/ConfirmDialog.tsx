// A modal confirmation for destructive actions.
import { Show, type JSX } from 'solid-js';

export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: JSX.Element;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Show when={props.open}>
      <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onCancel()}>
        <div class="modal" role="dialog" aria-modal="true" aria-label={props.title}>
          <h2>{props.title}</h2>
          <div class="modal-body">{props.children}</div>
          <div class="btn-row end">
            <button class="btn" onClick={() => props.onCancel()}>
              Cancel
            </button>
            <button class={`btn ${props.danger ? 'btn-danger' : 'btn-primary'}`} onClick={() => props.onConfirm()}>
              {props.confirmLabel}
            </button>
          </div>
        </div>
      </div>
    </Show>
  );
}
