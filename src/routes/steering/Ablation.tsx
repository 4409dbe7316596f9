// Latent ablation on the steering page: latents zeroed (scale 0) or scaled at the SAE's hook for the
// prompt; per position the change in log-probability of the actual next token and the tokens moved most.
import { createSignal, For, Show } from 'solid-js';
import { visibleToken } from '../../features/tokens';
import { gpu } from '../../state/gpu';
import type { AblationView } from '../../steering/service';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** "3, 11" → [3, 11]; a message saying what to fix when a piece is not a whole number. */
export function parseLatentList(text: string): number[] | string {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) return 'List the latents to ablate, e.g. 3, 11.';
  const bad = parts.find((p) => !/^\d+$/.test(p));
  return bad === undefined ? parts.map(Number) : `"${bad}" is not a latent index; list whole numbers separated by commas.`;
}

export function Ablation(props: { saeId?: string; modelId?: string; hook?: string; prompt: string; backend: 'auto' | 'wasm' }) {
  const [latents, setLatents] = createSignal('');
  const [scale, setScale] = createSignal(0);
  const [result, setResult] = createSignal<AblationView>();
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();

  async function run() {
    setError(undefined);
    if (!props.saeId || !props.modelId || !props.hook) return setError("Choose an SAE whose model is in the library (the steering target above).");
    const list = parseLatentList(latents());
    if (typeof list === 'string') return setError(list);
    setBusy(true);
    try {
      setResult(await gpu().ablate({ saeId: props.saeId, modelId: props.modelId, hook: props.hook, prompt: props.prompt, ablations: list.map((latent) => ({ latent, scale: scale() })), backend: props.backend }));
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="card lens-card" data-testid="ablation">
      <div class="card-head">
        <h2>Ablation</h2>
      </div>
      <div class="btn-row">
        <label class="small">
          Latents <input data-testid="ablate-latents" placeholder="3, 11" value={latents()} onInput={(e) => setLatents(e.currentTarget.value)} />
        </label>
        <label class="small">
          Scale <input type="number" step="0.1" data-testid="ablate-scale" value={scale()} onInput={(e) => setScale(e.currentTarget.valueAsNumber)} />
        </label>
        <button class="btn btn-sm" data-testid="ablate-run" disabled={busy()} onClick={() => void run()}>
          {busy() ? 'Running…' : 'Ablate on the prompt'}
        </button>
      </div>
      <Show when={error()}>
        <div class="error-text small" role="alert" data-testid="ablate-error">
          {error()}
        </div>
      </Show>
      <Show when={result()}>
        {(r) => (
          <table class="table mono small" data-testid="ablate-table">
            <thead>
              <tr>
                <th>Position</th>
                <th>Next token</th>
                <th class="num">log p</th>
                <th class="num">ablated</th>
                <th class="num">Δ</th>
                <th>Moved most (p → ablated p)</th>
              </tr>
            </thead>
            <tbody>
              <For each={r().rows}>
                {(row) => (
                  <tr data-testid="ablate-row">
                    <td>
                      {row.position} “{visibleToken(r().tokens[row.position])}”
                    </td>
                    <td>{visibleToken(row.next)}</td>
                    <td class="num">{row.logProb.toFixed(3)}</td>
                    <td class="num">{row.ablatedLogProb.toFixed(3)}</td>
                    <td class="num" data-testid="ablate-delta">
                      {(row.ablatedLogProb - row.logProb).toFixed(3)}
                    </td>
                    <td class="small">
                      <For each={row.moved}>
                        {(m) => (
                          <span class="ablate-moved">
                            {visibleToken(m.text)} {m.prob.toFixed(3)}→{m.ablatedProb.toFixed(3)}
                          </span>
                        )}
                      </For>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        )}
      </Show>
    </div>
  );
}
