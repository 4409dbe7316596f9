// A labelled form field with its error (or hint) underneath, shared by the configuration forms.
import { Show, type JSX } from 'solid-js';

export function Field(props: { label: string; error?: string; hint?: string; wide?: boolean; children: JSX.Element }) {
  return (
    <label class="field" classList={{ invalid: Boolean(props.error), 'field-wide': props.wide }}>
      <span class="field-label">{props.label}</span>
      {props.children}
      <Show when={props.error} fallback={<Show when={props.hint}><span class="field-hint">{props.hint}</span></Show>}>
        <span class="field-error" role="alert">
          {props.error}
        </span>
      </Show>
    </label>
  );
}
