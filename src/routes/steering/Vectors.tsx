// Raw steering vectors on the steering page: a latent's decoder direction at a hook of choice, or the
// difference of two prompts' mean activations at a hook (optionally normalised), each with a strength.
import { For, Index, Show } from 'solid-js';
import type { SetStoreFunction } from 'solid-js/store';
import type { RawVector } from '../../lm/steering';
import type { SteeringForm } from './steering.data';

const num = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));

export function Vectors(props: { form: SteeringForm; setForm: SetStoreFunction<SteeringForm>; hooks: string[]; defaultHook: string; hasSae: boolean }) {
  const add = (v: RawVector) => props.setForm('vectors', props.form.vectors.length, v);
  const set = (i: number, patch: Partial<RawVector>) => props.setForm('vectors', i, (v) => ({ ...v, ...patch }) as RawVector);
  return (
    <div class="steer-vectors" data-testid="steer-vectors">
      <Show when={props.form.vectors.length}>
        <table class="table compact">
          <thead>
            <tr>
              <th>Vector</th>
              <th>Hook</th>
              <th>Strength</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <Index each={props.form.vectors}>
              {(v, i) => (
                <tr data-testid="steer-vector-row">
                  <td>
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
                        <div class="steer-diff">
                          <input aria-label="Prompt A" placeholder="prompt A (towards)" data-testid="steer-vector-a" value={d().promptA} onInput={(e) => set(i, { promptA: e.currentTarget.value })} />
                          <span class="muted">−</span>
                          <input aria-label="Prompt B" placeholder="prompt B (away from)" data-testid="steer-vector-b" value={d().promptB} onInput={(e) => set(i, { promptB: e.currentTarget.value })} />
                          <label class="steer-inline small" title="Scale A − B to unit length">
                            <input type="checkbox" checked={d().normalize} onChange={(e) => set(i, { normalize: e.currentTarget.checked })} /> unit
                          </label>
                        </div>
                      )}
                    </Show>
                  </td>
                  <td>
                    <select aria-label="Hook" data-testid="steer-vector-hook" value={v().hook} onChange={(e) => set(i, { hook: e.currentTarget.value })}>
                      <For each={props.hooks.includes(v().hook) ? props.hooks : [v().hook, ...props.hooks]}>{(h) => <option value={h}>{h}</option>}</For>
                    </select>
                  </td>
                  <td>
                    <input type="number" step="0.5" aria-label="Vector strength" data-testid="steer-vector-strength" value={v().strength} onInput={(e) => set(i, { strength: num(e.currentTarget.value) })} />
                  </td>
                  <td>
                    <button class="btn btn-sm" aria-label={`Remove vector ${i + 1}`} onClick={() => props.setForm('vectors', (vs) => vs.filter((_, j) => j !== i))}>
                      ✕
                    </button>
                  </td>
                </tr>
              )}
            </Index>
          </tbody>
        </table>
      </Show>
      <div class="btn-row">
        <button class="btn btn-sm" data-testid="steer-add-diff" onClick={() => add({ kind: 'diff', promptA: '', promptB: '', hook: props.defaultHook, normalize: true, strength: 8 })}>
          Add prompt difference
        </button>
        <button
          class="btn btn-sm"
          data-testid="steer-add-direction"
          disabled={!props.hasSae}
          title={props.hasSae ? "Add an SAE latent's decoder direction at a hook of your choice" : 'Needs an SAE'}
          onClick={() => add({ kind: 'latent', latent: 0, hook: props.defaultHook, strength: 8 })}
        >
          Add latent direction
        </button>
      </div>
    </div>
  );
}
