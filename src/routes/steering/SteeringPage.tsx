// The Steering page: steer the SAE's model with any number of latents (additive, clamp, projection
// cap) and raw vectors, and compare the default and steered continuations, streamed side by side with one seed.
import { A, useSearchParams } from '@solidjs/router';
import { proxy } from 'comlink';
import { createEffect, createResource, createSignal, For, Index, on, Show } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { TemplatesPanel } from '../../components/TemplatesPanel';
import { visibleToken } from '../../features/tokens';
import { listHooks } from '../../lm/hooks';
import { STEERING_METHODS, type SteeringMethod } from '../../lm/steering';
import { activeSaeId } from '../../state/activeSae';
import { gpu } from '../../state/gpu';
import { createLive, createLiveQuery } from '../../state/live';
import type { SteerEvent, StreamedToken } from '../../steering/service';
import { getDb, type ModelRecord } from '../../storage/db';
import { Ablation } from './Ablation';
import { LogitLens } from './LogitLens';
import { checkLatents, checkVectors, DEFAULT_STEERING_FORM, modelHasChatTemplate, steeringTarget, steerRequest, targetProblem, type SteeringForm } from './steering.data';
import { newDiff, newDirection, Vectors } from './Vectors';
import './steering.css';

const METHOD_LABEL: Record<SteeringMethod, string> = { additive: 'additive', clamp: 'clamp', cap: 'projection cap' };

function Column(props: { title: string; side: string; tokens: (StreamedToken | undefined)[]; differAt: number }) {
  return (
    <div class="card steer-col" data-testid={`steer-${props.side}`}>
      <div class="chart-title">{props.title}</div>
      <div class="steer-text mono">
        <Index each={props.tokens}>
          {(t, i) => (
            <Show when={t()}>
              {(tok) => (
                <span class="steer-tok" classList={{ parted: i === props.differAt, after: props.differAt >= 0 && i > props.differAt }} tabindex="0" data-testid="steer-token">
                  {visibleToken(tok().text)}
                  <span class="steer-tip" role="tooltip">
                    <span>
                      <b>{visibleToken(tok().text)}</b> p = {tok().prob.toPrecision(3)}
                    </span>
                    <For each={tok().top}>
                      {(c) => (
                        <span class="steer-alt">
                          {visibleToken(c.text)} <span class="muted">{c.prob.toPrecision(3)}</span>
                        </span>
                      )}
                    </For>
                  </span>
                </span>
              )}
            </Show>
          )}
        </Index>
      </div>
    </div>
  );
}

export function SteeringPage() {
  const db = getDb();
  const [search] = useSearchParams<{ latent?: string; sae?: string }>();
  const active = createLive(() => activeSaeId(db));
  const saeId = () => search.sae ?? active();
  const target = createLiveQuery(saeId, (id) => (id ? steeringTarget(db, id) : Promise.resolve(undefined)));
  const [form, setForm] = createStore<SteeringForm>(structuredClone(DEFAULT_STEERING_FORM));
  const [backend, setBackend] = createSignal<'auto' | 'wasm'>('wasm');
  const [running, setRunning] = createSignal(false);
  const [status, setStatus] = createSignal<string>();
  const [error, setError] = createSignal<string>();
  const models = createLive<ModelRecord[]>(() => db.models.orderBy('createdAt').toArray());
  const [chosenModel, setChosenModel] = createSignal<string>();
  /** The SAE's model, or without an SAE the one chosen (the first downloaded by default). */
  const modelId = () => (target() ? target()!.modelId : chosenModel() ?? models()?.[0]?.id);
  const hooks = () => {
    const n = models()?.find((m) => m.id === modelId())?.summary.nLayers;
    return typeof n === 'number' ? listHooks(n) : [];
  };
  const vectorHook = () => target()?.hook ?? hooks()[0] ?? 'blocks.0.hook_resid_post';
  const [hasChat] = createResource(() => models()?.find((m) => m.id === modelId()), modelHasChatTemplate);
  const [chat, setChat] = createSignal<'idle' | 'busy' | 'applied'>('idle');
  const [cols, setCols] = createStore<{ default: (StreamedToken | undefined)[]; steered: (StreamedToken | undefined)[] }>({ default: [], steered: [] });

  createEffect(
    on(
      () => search.latent,
      (latent) => {
        if (latent !== undefined && /^\d+$/.test(latent) && !form.latents.some((l) => l.latent === Number(latent))) {
          setForm('latents', form.latents.length, { latent: Number(latent), strength: 8, method: 'additive' });
        }
      },
    ),
  );

  const differAt = () => {
    const n = Math.min(cols.default.length, cols.steered.length);
    for (let i = 0; i < n; i++) if (cols.default[i] && cols.steered[i] && cols.default[i]!.token !== cols.steered[i]!.token) return i;
    return -1;
  };

  const num = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));

  async function run() {
    const t = target();
    const problem = targetProblem(t, form, modelId());
    setError(problem);
    if (problem) return;
    setCols(reconcile({ default: [], steered: [] }));
    setRunning(true);
    setStatus('Starting…');
    const onEvent = (e: SteerEvent) => {
      if (e.type === 'status') setStatus(e.message);
      else if (e.type === 'prompt') setStatus(`Generating on ${e.backend === 'webgpu' ? 'WebGPU' : 'WASM'} from ${e.tokens} prompt tokens…`);
      else setCols(e.side, e.index, e.token);
    };
    try {
      await gpu().steer(steerRequest(form, t, modelId(), backend()), proxy(onEvent));
      setStatus('Done.');
    } catch (e) {
      setStatus(undefined);
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setRunning(false);
    }
  }

  async function applyChat() {
    const id = modelId();
    if (!id) return setError('Choose a model first.');
    setError(undefined);
    setChat('busy');
    try {
      setForm('prompt', await gpu().chatPrompt({ modelId: id, message: form.prompt, backend: backend() }));
      setChat('applied');
    } catch (e) {
      setChat('idle');
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  const body = () => JSON.parse(JSON.stringify(form)) as Record<string, unknown>;
  const load = (b: Record<string, unknown>) => {
    const wrong = checkLatents(b.latents) ?? checkVectors(b.vectors ?? []);
    if (wrong) return setError(`This preset's steering rows: ${wrong}.`);
    setError(undefined);
    setForm(reconcile({ ...DEFAULT_STEERING_FORM, ...b } as unknown as SteeringForm));
  };

  return (
    <div class="page steering-page">
      <div class="card-head">
        <h1>Steering</h1>
        <div class="muted small" data-testid="steer-target">
          <Show
            when={target()}
            fallback={
              <span data-testid="steer-no-sae">
                No SAE selected. To steer with latents, get one: run the one-click demo on <A href="/">Home</A>, train one on <A href="/training">Training</A>, or import a SAELens
                file in the <A href="/library">Library</A>, then make it active. Prompt-difference vectors and the logit lens work without one.
              </span>
            }
          >
            {(t) => (
              <>
                SAE <b>{t().checkpoint.name}</b> ({t().dSae ?? '?'} latents) at <span class="mono">{t().hook ?? '?'}</span> of <b>{t().modelRepo ?? 'a model not downloaded'}</b>
              </>
            )}
          </Show>
        </div>
      </div>
      <div class="steer-layout">
        <div class="card steer-form">
          <Show when={!target()}>
            <label class="field">
              <span class="field-label">Model</span>
              <select data-testid="steer-model" value={modelId() ?? ''} onChange={(e) => setChosenModel(e.currentTarget.value)}>
                <Show when={!models()?.length}>
                  <option value="">No model downloaded: add one on the Models page</option>
                </Show>
                <For each={models()}>{(m) => <option value={m.id}>{m.repo}</option>}</For>
              </select>
            </label>
          </Show>
          <label class="field">
            <span class="field-label">
              Prompt
              <Show when={chat() === 'applied'}>
                <span class="muted" data-testid="steer-chat-note">
                  {' '}
                  — chat template applied: this is the exact text the model continues
                </span>
              </Show>
            </span>
            <textarea
              data-testid="steer-prompt"
              rows="3"
              value={form.prompt}
              onInput={(e) => {
                setForm('prompt', e.currentTarget.value);
                setChat('idle');
                setError(undefined);
              }}
            />
          </label>
          <Show when={hasChat()}>
            <div class="btn-row">
              <button class="btn btn-sm" data-testid="steer-chat" disabled={chat() === 'busy' || running()} title="Treat the prompt as a user message and wrap it in the model's chat template" onClick={() => void applyChat()}>
                {chat() === 'busy' ? 'Applying…' : 'Apply chat template'}
              </button>
            </div>
          </Show>
          <div class="form-grid steer-options">
            <label class="field">
              <span class="field-label">Max new tokens</span>
              <input type="number" data-testid="steer-max" value={form.maxNewTokens} onInput={(e) => setForm('maxNewTokens', num(e.currentTarget.value))} />
            </label>
            <label class="field">
              <span class="field-label">Temperature</span>
              <input type="number" step="0.1" data-testid="steer-temperature" value={form.temperature} onInput={(e) => setForm('temperature', num(e.currentTarget.value))} />
            </label>
            <label class="field">
              <span class="field-label">Top-k</span>
              <input type="number" value={form.topK} onInput={(e) => setForm('topK', num(e.currentTarget.value))} />
            </label>
            <label class="field">
              <span class="field-label">Top-p</span>
              <input type="number" step="0.05" value={form.topP} onInput={(e) => setForm('topP', num(e.currentTarget.value))} />
            </label>
            <label class="field">
              <span class="field-label">Frequency penalty</span>
              <input type="number" step="0.1" data-testid="steer-frequency-penalty" value={form.frequencyPenalty} onInput={(e) => setForm('frequencyPenalty', num(e.currentTarget.value))} />
            </label>
            <label class="field">
              <span class="field-label">Seed</span>
              <input type="number" data-testid="steer-seed" value={form.seed} onInput={(e) => setForm('seed', num(e.currentTarget.value))} />
            </label>
            <label class="field">
              <span class="field-label">Strength multiplier</span>
              <input type="number" step="0.1" data-testid="steer-multiplier" value={form.multiplier} onInput={(e) => setForm('multiplier', num(e.currentTarget.value))} />
            </label>
            <label class="field">
              <span class="field-label">Backend</span>
              <select data-testid="steer-backend" value={backend()} onChange={(e) => setBackend(e.currentTarget.value as 'auto' | 'wasm')}>
                <option value="wasm">WASM</option>
                <option value="auto">WebGPU (WASM fallback)</option>
              </select>
            </label>
          </div>
          <Show when={form.latents.length}>
            <table class="table compact steer-latents" data-testid="steer-latents">
              <thead>
                <tr>
                  <th>Latent</th>
                  <th>Method</th>
                  <th>Strength</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                <Index each={form.latents}>
                  {(l, i) => (
                    <tr data-testid="steer-latent-row">
                      <td>
                        <input type="number" aria-label="Latent" data-testid="steer-latent" value={l().latent} onInput={(e) => setForm('latents', i, 'latent', num(e.currentTarget.value))} />
                      </td>
                      <td>
                        <select aria-label="Method" data-testid="steer-method" value={l().method} onChange={(e) => setForm('latents', i, 'method', e.currentTarget.value as SteeringMethod)}>
                          <For each={STEERING_METHODS}>{(m) => <option value={m}>{METHOD_LABEL[m]}</option>}</For>
                        </select>
                      </td>
                      <td>
                        <input type="number" step="0.5" aria-label="Strength" data-testid="steer-strength" value={l().strength} onInput={(e) => setForm('latents', i, 'strength', num(e.currentTarget.value))} />
                      </td>
                      <td>
                        <button class="btn btn-sm" aria-label={`Remove latent row ${i + 1}`} onClick={() => setForm('latents', (ls) => ls.filter((_, j) => j !== i))}>
                          ✕
                        </button>
                      </td>
                    </tr>
                  )}
                </Index>
              </tbody>
            </table>
          </Show>
          <Vectors form={form} setForm={setForm} hooks={hooks()} />
          <div class="btn-row steer-add-row">
            <button class="btn btn-sm" data-testid="steer-add" disabled={!target()} title={target() ? 'Steer with an SAE latent at its hook' : 'Needs an SAE'} onClick={() => setForm('latents', form.latents.length, { latent: 0, strength: 8, method: 'additive' })}>
              Add latent
            </button>
            <button class="btn btn-sm" data-testid="steer-add-diff" title="The difference of two prompts' mean activations at a hook" onClick={() => setForm('vectors', form.vectors.length, newDiff(vectorHook()))}>
              Add prompt difference
            </button>
            <button class="btn btn-sm" data-testid="steer-add-direction" disabled={!target()} title={target() ? "An SAE latent's decoder direction at a hook of your choice" : 'Needs an SAE'} onClick={() => setForm('vectors', form.vectors.length, newDirection(vectorHook()))}>
              Add latent direction
            </button>
          </div>
          <div class="btn-row">
            <button class="btn btn-primary" data-testid="steer-run" disabled={running()} onClick={() => void run()}>
              {running() ? 'Generating…' : 'Generate'}
            </button>
            <Show when={running()}>
              <button class="btn btn-sm" onClick={() => void gpu().stopSteering()}>
                Stop
              </button>
            </Show>
          </div>
          <Show when={status()}>
            <div class="muted small" data-testid="steer-status">
              {status()}
            </div>
          </Show>
          <Show when={error()}>
            <div class="error-text small" role="alert" data-testid="steer-error">
              {error()}
            </div>
          </Show>
        </div>
        <TemplatesPanel kind="steering" current={body} onLoad={load} />
      </div>
      <Show when={differAt() >= 0}>
        <div class="muted small" data-testid="steer-parted">
          The continuations part at token {differAt() + 1} (marked).
        </div>
      </Show>
      <div class="steer-cols">
        <Column title="Default" side="default" tokens={cols.default} differAt={differAt()} />
        <Column title="Steered" side="steered" tokens={cols.steered} differAt={differAt()} />
      </div>
      <LogitLens modelId={modelId()} prompt={form.prompt} backend={backend()} />
      <Ablation saeId={saeId()} modelId={target()?.modelId} hook={target()?.hook} prompt={form.prompt} backend={backend()} />
    </div>
  );
}
