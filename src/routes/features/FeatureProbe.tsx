// "Test your own text" on a feature page: the model and SAE run on typed text (WASM, in this
// thread) and every token is shaded by this one latent's activation, relative to its analysed max.
import { For, Show } from 'solid-js';
import { visibleToken } from '../../features/tokens';
import type { AnalysisRecord } from '../../storage/db';
import { fmtSig } from './format';
import { createProbeRun } from './probeRun';

interface Shaded {
  tokens: number[];
  /** This latent's activation at every token. */
  acts: Float32Array;
}

export function FeatureProbe(props: { analysis: AnalysisRecord; index: number; max: number; vocab: string[] }) {
  const { text, setText, busy, result, error, run } = createProbeRun<Shaded>(
    () => props.analysis,
    (r) => ({ tokens: r.tokens, acts: r.byLatent.get(props.index) ?? new Float32Array(r.tokens.length) }),
  );
  // The analysed max sets full shading; a typed text that beats it saturates at its own max.
  const scale = () => Math.max(props.max, ...(result()?.acts ?? []));
  const peak = () => Math.max(0, ...(result()?.acts ?? []));
  return (
    <section class="card">
      <h2>Test your own text</h2>
      <p class="muted small">The model and the SAE run on it here (WASM); each token is shaded by this latent's activation (∝ activation / analysed max).</p>
      <textarea data-testid="feature-probe-text" rows={2} class="probe-input" value={text()} onInput={(e) => setText(e.currentTarget.value)} />
      <div class="btn-row" style={{ 'margin-top': '8px' }}>
        <button class="btn btn-sm btn-primary" data-testid="feature-probe-run" disabled={busy() || !text().trim()} onClick={() => void run()}>
          {busy() ? 'Running…' : 'Shade by this latent'}
        </button>
        <Show when={result()}>
          <span class="muted small" data-testid="feature-probe-peak">
            max on this text {fmtSig(peak())}
          </span>
        </Show>
      </div>
      <Show when={error()}>
        <p class="error-text small" role="alert" data-testid="feature-probe-error">
          {error()}
        </p>
      </Show>
      <Show when={result()}>
        {(r) => (
          <div class="token-window-text probe-tokens" data-testid="feature-probe-tokens">
            <For each={r().tokens}>
              {(id, i) => {
                const v = r().acts[i()];
                return (
                  <span
                    class="tok"
                    classList={{ 'tok-on': v > 0 }}
                    data-act={v}
                    style={{ 'background-color': `rgba(52, 211, 153, ${(scale() > 0 ? Math.min(1, v / scale()) : 0).toFixed(3)})` }}
                    title={`activation ${fmtSig(v)} · token ${id}`}
                  >
                    {visibleToken(props.vocab[id] ?? `<${id}>`)}
                  </span>
                );
              }}
            </For>
          </div>
        )}
      </Show>
    </section>
  );
}
