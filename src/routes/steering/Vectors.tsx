// Raw steering vectors on the steering page: a latent's decoder direction at a hook of choice, or the
// difference of two prompts' mean activations at a hook (optionally normalised), each with a strength.
import { For, Index, Show } from 'solid-js';
import type { SetStoreFunction } from 'solid-js/store';
import type { RawVector } from '../../lm/steering';
import type { SteeringForm } from './steering.data';

const num = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));

/** A new prompt-difference row and a new latent-direction row at `hook`. */
export const newDiff = (hook: string): RawVector => ({ kind: 'diff', promptA: '', promptB: '', hook, normalize: true, strength: 8 });
export const newDirection = (hook: string): RawVector => ({ kind: 'latent', latent: 0, hook, strength: 8 });

export function Vectors(props: { form: SteeringForm; setForm: SetStoreFunction<SteeringForm>; hooks: string[] }) {
  const set = (i: number, patch: Partial<RawVector>) => props.setForm('vectors', i, (v) => ({ ...v, ...patch }) as RawVector);
  return (
    <Show when={props.form.vectors.length}>
      <div class="steer-vectors" data-testid="steer-vectors">
        <div class="field-label">Vectors</div>
        <Index each={props.form.vectors}>
          {(v, i) => (
            <div class="steer-vector" data-testid="steer-vector-row">
              <Show
                when={v().kind === 'diff' ? (v() as Extract<RawVector, { kind: 'diff' }>) : undefined}
                fallback={
                  <label class="steer-inline">
                    latent
                    <input type="number" aria-label="Latent whose direction to add" data-testid="steer-vector-latent" value={(v() as Extract<RawVector, { kind: 'latent' }>).latent} onInput={(e) => set(i, { latent: num(e.currentTarget.value) })} />
                    direction
                  </label>
                }
              >
                {(d) => (
                  <span class="steer-inline">
                    <input aria-label="Prompt A" placeholder="prompt A (towards)" data-testid="steer-vector-a" value={d().promptA} onInput={(e) => set(i, { promptA: e.currentTarget.value })} />
                    <span class="muted">−</span>
                    <input aria-label="Prompt B" placeholder="prompt B (away from)" data-testid="steer-vector-b" value={d().promptB} onInput={(e) => set(i, { promptB: e.currentTarget.value })} />
                    <label class="steer-inline small" title="Scale A − B to unit length">
                      <input type="checkbox" checked={d().normalize} onChange={(e) => set(i, { normalize: e.currentTarget.checked })} /> unit
                    </label>
                  </span>
                )}
              </Show>
              <label class="steer-inline small">
                at
                <select aria-label="Hook" data-testid="steer-vector-hook" value={v().hook} onChange={(e) => set(i, { hook: e.currentTarget.value })}>
                  <For each={props.hooks.includes(v().hook) ? props.hooks : [v().hook, ...props.hooks]}>{(h) => <option value={h}>{h}</option>}</For>
                </select>
              </label>
              <label class="steer-inline small">
                ×
                <input type="number" step="0.5" aria-label="Vector strength" data-testid="steer-vector-strength" value={v().strength} onInput={(e) => set(i, { strength: num(e.currentTarget.value) })} />
              </label>
              <button class="btn btn-sm" aria-label={`Remove vector ${i + 1}`} onClick={() => props.setForm('vectors', (vs) => vs.filter((_, j) => j !== i))}>
                ✕
              </button>
            </div>
          )}
        </Index>
      </div>
    </Show>
  );
}
