// The logit lens on the steering page: for the prompt, each layer's likeliest next token at every
// position (the model's final norm and unembedding on that layer's residual) as a grid; a cell opens its top 10.
import { createSignal, For, Show } from 'solid-js';
import { visibleToken } from '../../features/tokens';
import { gpu } from '../../state/gpu';
import type { LensResult } from '../../steering/service';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function LogitLens(props: { modelId?: string; prompt: string; backend: 'auto' | 'wasm' }) {
  const [result, setResult] = createSignal<LensResult>();
  const [picked, setPicked] = createSignal<{ row: number; pos: number }>();
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();

  async function run() {
    setError(undefined);
    if (!props.modelId) return setError('No model to run the lens on: add one on the Models page (or choose one above).');
    setBusy(true);
    try {
      setResult(await gpu().logitLens({ modelId: props.modelId, prompt: props.prompt, backend: props.backend }));
      setPicked(undefined);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="card lens-card" data-testid="lens">
      <div class="card-head">
        <h2>Logit lens</h2>
        <button class="btn btn-sm" data-testid="lens-run" disabled={busy()} onClick={() => void run()}>
          {busy() ? 'Running…' : 'Run on the prompt'}
        </button>
      </div>
      <Show when={error()}>
        <div class="error-text small" role="alert" data-testid="lens-error">
          {error()}
        </div>
      </Show>
      <Show when={result()}>
        {(r) => (
          <div class="lens-scroll">
            <div class="muted small">Each cell is the likeliest next token after that prompt token when the row's residual goes through the final norm and unembedding, shaded by its probability; click one for its top 10.</div>
            <table class="table lens-grid mono small" data-testid="lens-grid">
              <thead>
                <tr>
                  <th class="muted">hook \ token</th>
                  <For each={r().tokens}>{(t) => <th>{visibleToken(t)}</th>}</For>
                </tr>
              </thead>
              <tbody>
                <For each={r().hooks}>
                  {(hook, row) => (
                    <tr>
                      <th class="nowrap">{hook}</th>
                      <For each={r().cells[row()]}>
                        {(cell, pos) => (
                          <td
                            class="clickable"
                            classList={{ selected: picked()?.row === row() && picked()?.pos === pos() }}
                            style={{ background: `rgba(52, 211, 153, ${(0.45 * cell[0].prob).toFixed(3)})` }}
                            title={`p = ${cell[0].prob.toPrecision(3)}`}
                            data-testid="lens-cell"
                            onClick={() => setPicked({ row: row(), pos: pos() })}
                          >
                            {visibleToken(cell[0].text)}
                          </td>
                        )}
                      </For>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
            <Show when={picked()}>
              {(p) => (
                <div class="lens-top" data-testid="lens-top">
                  <div class="muted small">
                    {r().hooks[p().row]} · after “{visibleToken(r().tokens[p().pos])}” (position {p().pos})
                  </div>
                  <ol>
                    <For each={r().cells[p().row][p().pos]}>
                      {(c) => (
                        <li data-testid="lens-top-token">
                          <span class="mono">{visibleToken(c.text)}</span> <span class="muted">{c.prob.toPrecision(3)}</span>
                        </li>
                      )}
                    </For>
                  </ol>
                </div>
              )}
            </Show>
          </div>
        )}
      </Show>
    </div>
  );
}
