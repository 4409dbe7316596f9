// A checkpoint's evaluation against its model (the Library's detail and the features overview): the
// stored scores (CE loss recovered, KL score, explained variance, MSE, L0, dead latents) and a form that
// queues an 'eval' job for them.
import { createEffect, createSignal, For, on, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { Field } from '../../components/Field';
import { cardJobs, JobState } from '../../components/JobProgress';
import type { EvalParams } from '../../jobs/kinds/evaluate';
import type { ModelSummary } from '../../lm/config';
import { listHooks } from '../../lm/hooks';
import { act, gpu } from '../../state/gpu';
import { allJobs } from '../../state/jobs';
import { createLive } from '../../state/live';
import type { LibraryCheckpoint } from '../../storage/checkpoints';
import { getDb, type CheckpointEvaluation, type TokenizationRecord } from '../../storage/db';
import { saeTarget } from '../features/features.data';

interface EvalForm {
  modelId: string;
  hook: string;
  tokenizationId: string;
  text: string;
  maxTokens: number;
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : '—');

/** The scores of an evaluation as a definition list. */
export function EvalScores(props: { e: CheckpointEvaluation }) {
  return (
    <dl class="kv" data-testid="eval-scores">
      <dt title="(CE zero-ablated − CE with the SAE) / (CE zero-ablated − CE clean)">CE loss recovered</dt>
      <dd class="mono" data-testid="eval-ce-score">
        {fmt(props.e.ceLossScore)}
      </dd>
      <dt title="(KL zero-ablated − KL with the SAE) / KL zero-ablated">KL score</dt>
      <dd class="mono" data-testid="eval-kl-score">
        {fmt(props.e.klDivScore)}
      </dd>
      <dt>CE clean · SAE · ablated</dt>
      <dd class="mono small">
        {fmt(props.e.ceClean, 4)} · {fmt(props.e.ceSae, 4)} · {fmt(props.e.ceZero, 4)}
      </dd>
      <dt>Expl. var. · MSE</dt>
      <dd class="mono small" data-testid="eval-ev-mse">
        {fmt(props.e.explainedVariance)} · {fmt(props.e.mse)}
      </dd>
      <dt>L0 · dead</dt>
      <dd class="mono small" data-testid="eval-l0-dead">
        {fmt(props.e.l0)} · {props.e.deadLatents} dead
      </dd>
      <dt>On</dt>
      <dd class="small">
        {props.e.tokens.toLocaleString('en-US')} tokens of {props.e.model} at <span class="mono">{props.e.hook}</span>
      </dd>
    </dl>
  );
}

/** `collapsed`: the form stays behind an Evaluate…/Re-evaluate… button until asked for. */
export function EvalCard(props: { checkpoint: LibraryCheckpoint; collapsed?: boolean }) {
  const db = getDb();
  const [open, setOpen] = createSignal(!props.collapsed);
  const models = createLive(() => db.models.orderBy('createdAt').toArray());
  const tokenizations = createLive<TokenizationRecord[]>(() => db.tokenizations.filter((t) => t.status === 'ready').toArray());
  const [form, setForm] = createStore<EvalForm>({ modelId: '', hook: '', tokenizationId: '', text: '', maxTokens: 2048 });
  const [error, setError] = createSignal<string>();
  createEffect(
    on(
      () => props.checkpoint.id,
      async () => {
        const target = await saeTarget(db, props.checkpoint);
        setForm({ modelId: target.modelId ?? '', hook: target.hook ?? '' });
      },
    ),
  );
  createEffect(() => {
    const toks = tokenizations();
    if (!form.tokenizationId && toks?.length) setForm('tokenizationId', toks[0].id);
  });
  const model = () => models()?.find((m) => m.id === form.modelId);
  const hooks = () => listHooks((model()?.summary as ModelSummary | undefined)?.nLayers ?? 0);
  const evaluates = (j: { kind: string; params: unknown }) => j.kind === 'eval' && (j.params as EvalParams).saeId === props.checkpoint.id;
  const jobs = () => cardJobs(allJobs(), evaluates);
  const job = () => jobs().active;

  async function start() {
    setError(undefined);
    const tok = tokenizations()?.find((t) => t.id === form.tokenizationId);
    if (!form.modelId) return setError('Choose the model the SAE reads.');
    if (!form.hook) return setError('Choose the hook point the SAE reads.');
    if (!tok && !form.text.trim()) return setError('Tokenize a dataset for this model on the Datasets page, or paste some text to evaluate on.');
    if (!Number.isInteger(form.maxTokens) || form.maxTokens < 1) return setError('Tokens must be a positive whole number.');
    const params: EvalParams = {
      saeId: props.checkpoint.id,
      modelId: form.modelId,
      hook: form.hook,
      source: tok ? { type: 'tokenization', tokenizationId: tok.id, datasetId: tok.datasetId } : { type: 'text', text: form.text },
      contextSize: tok?.contextSize ?? 64,
      maxTokens: form.maxTokens,
      batchContexts: Math.max(1, Math.floor(512 / (tok?.contextSize ?? 64))),
      backend: 'auto',
    };
    await act('start the evaluation', () => gpu().enqueue({ kind: 'eval', params }));
    setOpen(!props.collapsed);
  }

  return (
    <section class="eval-card" data-testid="eval-card">
      <h3>Evaluation</h3>
      <Show when={props.checkpoint.evaluation} fallback={<p class="muted small">Not evaluated yet: how much of the model's next-token loss survives splicing this SAE in.</p>}>
        {(e) => <EvalScores e={e()} />}
      </Show>
      <JobState active={jobs().active} failed={jobs().failed} what="evaluation" label="Evaluation progress" testid="eval" />
      <Show when={!job() && !open()}>
        <button class="btn btn-sm" classList={{ 'btn-primary': !props.checkpoint.evaluation }} data-testid="eval-open" onClick={() => setOpen(true)}>
          {props.checkpoint.evaluation ? 'Re-evaluate…' : 'Evaluate…'}
        </button>
      </Show>
      <Show when={!job() && open()}>
        <div class="form-grid" data-testid="eval-form">
          <Field label="Model">
            <select data-testid="eval-model" value={form.modelId} onChange={(e) => setForm('modelId', e.currentTarget.value)}>
              <option value="">Choose…</option>
              <For each={models()}>{(m) => <option value={m.id} selected={m.id === form.modelId}>{m.repo}</option>}</For>
            </select>
          </Field>
          <Field label="Hook point">
            <select data-testid="eval-hook" value={form.hook} onChange={(e) => setForm('hook', e.currentTarget.value)}>
              <option value="">Choose…</option>
              <For each={hooks()}>{(h) => <option value={h} selected={h === form.hook}>{h}</option>}</For>
            </select>
          </Field>
          <Show
            when={tokenizations()?.length}
            fallback={
              <Field label="Text" hint="No tokenized dataset yet: paste text to evaluate on." wide>
                <textarea data-testid="eval-text" rows={3} value={form.text} onInput={(e) => setForm('text', e.currentTarget.value)} />
              </Field>
            }
          >
            <Field label="Tokenization" hint="Its last contexts are used.">
              <select data-testid="eval-tokenization" value={form.tokenizationId} onChange={(e) => setForm('tokenizationId', e.currentTarget.value)}>
                <For each={tokenizations()}>
                  {(t) => (
                    <option value={t.id} selected={t.id === form.tokenizationId}>
                      {t.tokenizerName ?? t.modelId} · ctx {t.contextSize} · {t.tokens.toLocaleString('en-US')} tokens
                    </option>
                  )}
                </For>
              </select>
            </Field>
          </Show>
          <Field label="Tokens">
            <input type="number" min="1" data-testid="eval-tokens" value={form.maxTokens} onInput={(e) => setForm('maxTokens', e.currentTarget.valueAsNumber)} />
          </Field>
        </div>
        <Show when={error()}>
          <p class="error-text small" role="alert" data-testid="eval-form-error">
            {error()}
          </p>
        </Show>
        <button class="btn" data-testid="eval-start" onClick={() => void start()}>
          {props.checkpoint.evaluation ? 'Re-evaluate' : 'Evaluate'}
        </button>
      </Show>
    </section>
  );
}
