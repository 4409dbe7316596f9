// Extraction: choose a model, a hook point and tokens (a tokenized dataset or pasted text), run the
// extraction job, and list activation sets with their shape, progress and controls.
import { A } from '@solidjs/router';
import { createEffect, createMemo, createResource, For, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { JobControls } from '../../components/JobControls';
import { ProgressBar } from '../../components/ProgressBar';
import { TemplatesPanel } from '../../components/TemplatesPanel';
import { discardAbandonedExtraction } from '../../jobs/kinds/extractCleanup';
import { checkTokenizationFits } from '../../jobs/kinds/vocabCheck';
import { HOOK_KINDS, type HookKind } from '../../lm/hooks';
import { act, gpu, report } from '../../state/gpu';
import { allJobs, formatEta } from '../../state/jobs';
import { createLive } from '../../state/live';
import { createProblem, dismissProblem } from '../../state/problems';
import { createSavedForm } from '../../state/savedForm';
import { recordMemory } from '../../state/modelMemory';
import { summaryOf } from '../../state/models';
import { MemoryEstimate } from '../models/MemoryEstimate';
import { discardActivationSet } from '../../storage/activations';
import { getDb, newId, type ActivationSetRecord, type DatasetRecord, type JobRecord, type ModelRecord, type TokenizationRecord } from '../../storage/db';
import { formatBytes } from '../../storage/persistence';
import { deleteRecord } from '../../storage/repository';
import { DEFAULT_EXTRACT_FORM, templateBody, toExtractParams, validateExtractForm, type ExtractForm } from './form';
import { Field } from '../../components/Field';

type NumKey = 'layer' | 'contextSize' | 'batchSize' | 'maxSequences' | 'skipPositions';

function ExtractionProblem(props: { job: JobRecord }) {
  return (
    <div class="banner banner-err" role="alert" data-testid="extract-problem" data-code={props.job.error?.code}>
      <div>
        <strong>{props.job.title} failed; nothing was stored.</strong>
        <div data-testid="extract-problem-message">{props.job.error?.message}</div>
      </div>
      <button class="btn btn-sm" onClick={() => act('dismiss', () => dismissProblem(props.job))}>
        Dismiss
      </button>
    </div>
  );
}

/** Deletes sets whose extraction failed, was cancelled, or whose job is gone (a crash between steps). */
async function sweepAbandoned(sets: ActivationSetRecord[], jobs: JobRecord[]): Promise<void> {
  const db = getDb();
  for (const s of sets) {
    if (s.status === 'ready' || !s.jobId) continue;
    const job = jobs.find((j) => j.id === s.jobId);
    if (!job) {
      if (!(await db.jobs.get(s.jobId))) await discardActivationSet(db, s.id);
    } else if (job.status === 'failed' || job.status === 'cancelled') {
      await discardAbandonedExtraction(db, job.id);
    }
  }
}

function sourceLabel(s: ActivationSetRecord, datasets: DatasetRecord[]): string {
  if (s.source?.type === 'text') return `Pasted text (${s.source.text.length.toLocaleString('en-US')} characters)`;
  if (s.source?.type === 'tokenization') {
    const id = s.source.datasetId;
    return `Dataset · ${datasets.find((d) => d.id === id)?.name ?? id}`;
  }
  return '—';
}

export function ExtractionPage() {
  const db = getDb();
  const models = createLive<ModelRecord[]>(() => db.models.orderBy('createdAt').reverse().toArray());
  const sets = createLive<ActivationSetRecord[]>(() => db.activationSets.orderBy('createdAt').reverse().toArray());
  const tokenizations = createLive<TokenizationRecord[]>(() => db.tokenizations.filter((t) => t.status === 'ready').toArray());
  const datasets = createLive<DatasetRecord[]>(() => db.datasets.toArray());
  const [form, setForm] = createSavedForm<ExtractForm>('lantern.form.extraction', DEFAULT_EXTRACT_FORM);
  const [ui, setUi] = createStore({ showErrors: false });
  const model = createMemo(() => (models() ?? []).find((m) => m.id === form.modelId));
  const summary = () => (model() ? summaryOf(model()!) : undefined);
  const errors = createMemo(() => validateExtractForm({ ...form }, summary()));
  const shown = (k: keyof ReturnType<typeof errors>) => (ui.showErrors ? errors()[k] : undefined);
  const problem = createProblem('extract');
  /** Tokens per context: the tokenization's windows, or the pasted text's context size. */
  const memContext = () =>
    form.sourceType === 'tokenization' ? (tokenizations() ?? []).find((t) => t.id === form.tokenizationId)?.contextSize : form.contextSize;
  const memory = createMemo(() => {
    const m = model();
    const T = memContext();
    if (!m || !T || !(T >= 1) || !(form.batchSize >= 1)) return undefined;
    return recordMemory(m, form.batchSize, T, form.backend === 'auto' && report()?.webgpu ? report()?.adapter?.limits : undefined);
  });
  const datasetName = (id: string) => (datasets() ?? []).find((d) => d.id === id)?.name ?? id;
  /** Why the chosen tokenization cannot feed the chosen model (another vocabulary), if it cannot. */
  const misfit = (tokenizationId: string, m: ModelRecord) =>
    checkTokenizationFits(db, tokenizationId, m).then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
  const [vocabProblem] = createResource(
    () => (form.sourceType === 'tokenization' && form.tokenizationId && model() ? ([form.tokenizationId, model()!] as const) : undefined),
    ([id, m]) => misfit(id, m),
  );

  // The newest model is chosen when none is; a remembered tokenization that is gone is forgotten.
  createEffect(() => {
    const list = models() ?? [];
    if (!list.some((m) => m.id === form.modelId) && list[0]) setForm('modelId', list[0].id);
  });
  createEffect(() => {
    const list = tokenizations();
    if (list && form.tokenizationId && !list.some((t) => t.id === form.tokenizationId)) setForm('tokenizationId', '');
  });
  createEffect(() => {
    const s = sets();
    allJobs();
    if (s) void sweepAbandoned(s, allJobs());
  });

  const num = (key: NumKey, label: string, hint?: string) => (
    <Field label={label} error={shown(key)} hint={hint}>
      <input
        type="number"
        step="1"
        name={key}
        data-testid={`extract-${key}`}
        value={form[key]}
        onInput={(e) => setForm(key, e.currentTarget.value === '' ? Number.NaN : Number(e.currentTarget.value))}
      />
    </Field>
  );

  async function start() {
    setUi('showErrors', true);
    if (Object.keys(errors()).length) return;
    // Refused before anything is queued; the field shows the message (the job checks again).
    if (form.sourceType === 'tokenization' && (await misfit(form.tokenizationId, model()!))) return;
    const tok = (tokenizations() ?? []).find((t) => t.id === form.tokenizationId);
    const params = toExtractParams({ ...form }, newId('act'), tok?.datasetId ?? '');
    void act('start the extraction', async () => {
      await gpu().enqueue({ kind: 'extract', params });
      setUi('showErrors', false);
    });
  }

  return (
    <section class="page">
      <h1>Extraction</h1>
      <div class="extract-grid">
        <div class="card" data-testid="extract-form">
          <h2>Extract activations</h2>
          <Show when={(models() ?? []).length} fallback={<p class="muted">No model yet: <A href="/models">add one on the Models page</A>.</p>}>
            <div class="form-grid">
              <Field label="Model" error={shown('modelId')} wide>
                <select data-testid="extract-model" value={form.modelId} onChange={(e) => setForm('modelId', e.currentTarget.value)}>
                  <For each={models()}>
                    {(m) => (
                      <option value={m.id}>
                        {m.repo} ({m.variant}, {summaryOf(m).nLayers} layers)
                      </option>
                    )}
                  </For>
                </select>
              </Field>
              {num('layer', 'Layer', summary() ? `0–${summary()!.nLayers - 1}` : undefined)}
              <Field label="Hook point">
                <select data-testid="extract-hook-kind" value={form.hookKind} onChange={(e) => setForm('hookKind', e.currentTarget.value as HookKind)}>
                  <For each={[...HOOK_KINDS]}>{(k) => <option value={k}>{k}</option>}</For>
                </select>
              </Field>
              <Field label="Tokens from">
                <select
                  data-testid="extract-source"
                  value={form.sourceType}
                  onChange={(e) => setForm('sourceType', e.currentTarget.value as ExtractForm['sourceType'])}
                >
                  <option value="text">Pasted text</option>
                  <option value="tokenization">A tokenized dataset</option>
                </select>
              </Field>
              <Show
                when={form.sourceType === 'text'}
                fallback={
                  <Field label="Tokenization" error={vocabProblem() ?? shown('tokenizationId')} wide hint="Token ids must come from this model's tokenizer.">
                    <select data-testid="extract-tokenization" value={form.tokenizationId} onChange={(e) => setForm('tokenizationId', e.currentTarget.value)}>
                      <option value="">Choose…</option>
                      <For each={tokenizations()}>
                        {(t) => (
                          <option value={t.id}>
                            {datasetName(t.datasetId)} · {t.tokenizerName ?? t.modelId} · ctx {t.contextSize} · {(t.sequences ?? 0).toLocaleString('en-US')} contexts
                          </option>
                        )}
                      </For>
                    </select>
                  </Field>
                }
              >
                <Field label="Text" error={shown('text')} wide hint="Tokenized with the model's own tokenizer and cut into contexts.">
                  <textarea data-testid="extract-text" rows={5} value={form.text} onInput={(e) => setForm('text', e.currentTarget.value)} />
                </Field>
                {num('contextSize', 'Context size (tokens)')}
              </Show>
              {num('batchSize', 'Batch (contexts per pass)')}
              {num('maxSequences', 'Max contexts', '0 = all')}
              {num('skipPositions', 'Skip first positions', '1 drops a leading BOS')}
              <Field label="Backend">
                <select data-testid="extract-backend" value={form.backend} onChange={(e) => setForm('backend', e.currentTarget.value as ExtractForm['backend'])}>
                  <option value="auto">WebGPU (else WASM)</option>
                  <option value="wasm">WASM only</option>
                </select>
              </Field>
            </div>
            <Show when={memory()}>{(est) => <MemoryEstimate estimate={est()} batch={form.batchSize} context={memContext()!} />}</Show>
            <div class="btn-row">
              <button class="btn btn-primary" data-testid="extract-start" onClick={() => void start()}>
                Extract
              </button>
            </div>
          </Show>
        </div>
        <div class="card">
          <TemplatesPanel kind="extraction" current={() => templateBody({ ...form })} onLoad={(body) => setForm({ ...(body as Partial<ExtractForm>) })} />
        </div>
      </div>
      <Show when={problem()} keyed>
        {(job) => <ExtractionProblem job={job} />}
      </Show>
      <div class="card">
        <h2>Activation sets</h2>
        <Show when={(sets() ?? []).length} fallback={<p class="muted">No activation sets yet.</p>}>
          <table class="table" data-testid="set-list">
            <thead>
              <tr>
                <th>Model</th>
                <th>Hook</th>
                <th>Source</th>
                <th class="num">Shape [tokens, d_model]</th>
                <th class="num">Contexts × size</th>
                <th class="num">Chunks</th>
                <th class="num">Size</th>
                <th>Status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              <For each={sets()}>
                {(s) => {
                  const job = () => allJobs().find((j) => j.id === s.jobId && j.status !== 'done');
                  return (
                    <tr data-testid="set-row" data-status={s.status} data-hook={s.hook}>
                      <td>
                        {s.model ?? s.modelId}
                        <div class="muted small">
                          {s.modelDtype ?? ''} · {s.backend === 'webgpu' ? 'WebGPU' : s.backend === 'wasm' ? 'WASM' : ''}
                        </div>
                      </td>
                      <td class="mono">{s.hook}</td>
                      <td class="muted">{sourceLabel(s, datasets() ?? [])}</td>
                      <td class="num mono" data-testid="set-shape">
                        [{s.tokens.toLocaleString('en-US')}, {s.dModel}]
                      </td>
                      <td class="num">
                        {(s.sequences ?? 0).toLocaleString('en-US')} × {s.contextSize}
                      </td>
                      <td class="num">{s.chunks ?? 0}</td>
                      <td class="num">{formatBytes(s.tokens * s.dModel * 4)}</td>
                      <td data-testid="set-status">
                        <Show when={job()} fallback={<span class={`badge ${s.status === 'ready' ? 'badge-ok' : 'badge-warn'}`}>{s.status}</span>}>
                          {(j) => (
                            <div class="progress-cell">
                              <ProgressBar value={j().progress} label="extraction progress" />
                              <span class="muted small" data-testid="set-job-message">
                                {j().status} {Math.round(j().progress * 100)}% {j().message ?? ''} {formatEta(j().etaMs)}
                              </span>
                              <JobControls job={j()} />
                            </div>
                          )}
                        </Show>
                      </td>
                      <td>
                        <Show when={s.status === 'ready'}>
                          <button class="btn btn-sm btn-danger" data-testid="set-delete" onClick={() => act('delete the activation set', () => deleteRecord(db, 'activationSets', s.id))}>
                            Delete
                          </button>
                        </Show>
                      </td>
                    </tr>
                  );
                }}
              </For>
            </tbody>
          </table>
        </Show>
        <Show when={allJobs().find((j) => j.kind === 'extract' && (j.status === 'running' || j.status === 'queued') && !(sets() ?? []).some((s) => s.jobId === j.id))}>
          {(j) => (
            <p class="muted small" data-testid="extract-preparing">
              {j().title}: {j().message ?? 'waiting for the GPU worker…'}
            </p>
          )}
        </Show>
      </div>
    </section>
  );
}
