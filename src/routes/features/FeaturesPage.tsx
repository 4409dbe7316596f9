// Features: pick an SAE (the active one by default), see its evaluation scores (or run one), run the
// feature analysis over a tokenized dataset, and browse every latent in a sortable, filterable,
// searchable virtualised table above the density histogram of all latents.
import { A, useNavigate, useParams } from '@solidjs/router';
import { createEffect, createMemo, createResource, createSignal, For, on, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { FeatureMap } from '../../components/charts/FeatureMap';
import { Histogram } from '../../components/charts/Histogram';
import { downloadBlob } from '../../components/download';
import { Field } from '../../components/Field';
import { cardJobs, JobState } from '../../components/JobProgress';
import { listHooks } from '../../lm/hooks';
import type { ModelSummary } from '../../lm/config';
import { activeSaeId } from '../../state/activeSae';
import { act, gpu } from '../../state/gpu';
import { allJobs } from '../../state/jobs';
import { createLive, createLiveQuery } from '../../state/live';
import { toast } from '../../state/toasts';
import { deleteAnalysis, featureNotes, readSummary, readyAnalysis } from '../../storage/analyses';
import { analysedSae, type AnalysisSummary } from '../../features/types';
import { getDb, newId, type AnalysisRecord, type JobRecord, type TokenizationRecord } from '../../storage/db';
import type { AnalyzeParams, AnalyzeState } from '../../jobs/kinds/analyze';
import { EvalCard } from '../library/EvalCard';
import { listLibrary } from '../library/library';
import { visibleToken } from '../../features/tokens';
import {
  DEFAULT_ANALYSIS_FORM,
  listRows,
  mapPoints,
  neuronpediaExport,
  queryRows,
  rowsToCsv,
  saeTarget,
  shownLabel,
  toAnalyzeParams,
  validateAnalysisForm,
  type AnalysisErrors,
  type AnalysisForm,
  type FilterKind,
  type ListQuery,
  type ListRow,
  type SortKey,
} from './features.data';
import { fmtDensity, fmtSig } from './format';
import { createProbeRun } from './probeRun';
import './features.css';

const ROW_H = 30;
const VIEW_ROWS = 18;

/** The analysis form and the running analysis of `saeId`. */
function AnalysisCard(props: { saeId: string; dIn: number; analysis?: AnalysisRecord }) {
  const db = getDb();
  const models = createLive(() => db.models.orderBy('createdAt').toArray());
  const tokenizations = createLive<TokenizationRecord[]>(() => db.tokenizations.filter((t) => t.status === 'ready').toArray());
  const [form, setForm] = createStore<AnalysisForm>({ ...DEFAULT_ANALYSIS_FORM });
  const [errors, setErrors] = createSignal<AnalysisErrors>({});
  const [open, setOpen] = createSignal(false);
  // The SAE's own model and hook, as its run or import recorded them.
  createEffect(
    on(
      () => props.saeId,
      async (id) => {
        const c = await db.checkpoints.get(id);
        const target = c ? await saeTarget(db, c) : {};
        setForm({ modelId: target.modelId ?? '', hook: target.hook ?? '' });
      },
    ),
  );
  createEffect(() => {
    const toks = tokenizations();
    if (!form.tokenizationId && toks?.length) setForm('tokenizationId', toks[0].id);
    if (toks && !toks.length && form.sourceType === 'tokenization') setForm('sourceType', 'text');
  });
  const model = () => models()?.find((m) => m.id === form.modelId);
  const hooks = () => listHooks((model()?.summary as ModelSummary | undefined)?.nLayers ?? 0);
  const analyses = (j: JobRecord) => j.kind === 'analyze' && analysedSae(j.params as AnalyzeParams, j.state as AnalyzeState | undefined) === props.saeId;
  const jobs = () => cardJobs(allJobs(), analyses);
  const job = () => jobs().active;

  async function start() {
    const e = validateAnalysisForm(form, model(), props.dIn);
    setErrors(e);
    if (Object.keys(e).length) return;
    const tok = tokenizations()?.find((t) => t.id === form.tokenizationId);
    const contextSize = form.sourceType === 'text' ? form.contextSize : (tok?.contextSize ?? form.contextSize);
    await act('start the analysis', () => gpu().enqueue({ kind: 'analyze', params: toAnalyzeParams(form, props.saeId, newId('an'), tok?.datasetId, contextSize) }));
    setOpen(false);
  }

  return (
    <section class="card">
      <div class="card-head">
        <h2>Analysis</h2>
        <div class="btn-row">
          <Show when={props.analysis}>
            <button class="btn btn-sm btn-danger" data-testid="delete-analysis" onClick={() => act('delete the analysis', () => deleteAnalysis(db, props.analysis!.id))}>
              Delete analysis
            </button>
          </Show>
          <button class="btn btn-sm" classList={{ 'btn-primary': !props.analysis }} data-testid="analysis-open" onClick={() => setOpen(!open())}>
            {props.analysis ? 'Re-run analysis…' : 'Run analysis…'}
          </button>
        </div>
      </div>
      <Show when={props.analysis}>
        {(a) => (
          <p class="muted small" data-testid="analysis-meta">
            {a().tokens.toLocaleString('en-US')} tokens ({a().contexts} contexts of {a().contextSize}) of {a().model} at <span class="mono">{a().hook}</span> · window ±{a().windowRadius} · encoder on{' '}
            {a().encoder === 'webgpu' ? 'WebGPU' : 'the CPU'} · W_U from <span class="mono">{a().unembedding}</span>
          </p>
        )}
      </Show>
      <JobState active={jobs().active} failed={jobs().failed} what="analysis" label="Analysis progress" testid="analysis" />
      <Show when={open() || (!props.analysis && !job())}>
        <div class="form-grid" data-testid="analysis-form">
          <Field label="Model" error={errors().modelId}>
            <select data-testid="analysis-model" value={form.modelId} onChange={(e) => setForm('modelId', e.currentTarget.value)}>
              <option value="">Choose…</option>
              <For each={models()}>{(m) => <option value={m.id}>{m.repo}{m.demo ? ' (demo)' : ''}</option>}</For>
            </select>
          </Field>
          <Field label="Hook point" error={errors().hook} hint={`The SAE reads d_in = ${props.dIn}.`}>
            <select data-testid="analysis-hook" value={form.hook} onChange={(e) => setForm('hook', e.currentTarget.value)}>
              <option value="">Choose…</option>
              <For each={hooks()}>{(h) => <option value={h}>{h}</option>}</For>
            </select>
          </Field>
          <Field label="Tokens from">
            <select data-testid="analysis-source" value={form.sourceType} onChange={(e) => setForm('sourceType', e.currentTarget.value as AnalysisForm['sourceType'])}>
              <option value="tokenization">a tokenized dataset</option>
              <option value="text">pasted text</option>
            </select>
          </Field>
          <Show
            when={form.sourceType === 'tokenization'}
            fallback={
              <>
                <Field label="Text" error={errors().text} wide>
                  <textarea data-testid="analysis-text" rows={3} value={form.text} onInput={(e) => setForm('text', e.currentTarget.value)} />
                </Field>
                <Field label="Context size (tokens)" error={errors().contextSize}>
                  <input type="number" data-testid="analysis-context" value={form.contextSize} onInput={(e) => setForm('contextSize', e.currentTarget.valueAsNumber)} />
                </Field>
              </>
            }
          >
            <Field label="Tokenization" error={errors().tokenizationId} hint="Token ids must come from this model's tokenizer.">
              <select data-testid="analysis-tokenization" value={form.tokenizationId} onChange={(e) => setForm('tokenizationId', e.currentTarget.value)}>
                <For each={tokenizations()}>
                  {(t) => (
                    <option value={t.id}>
                      {t.tokenizerName ?? t.modelId} · ctx {t.contextSize} · {t.tokens.toLocaleString('en-US')} tokens
                    </option>
                  )}
                </For>
              </select>
            </Field>
          </Show>
          <Field label="Tokens to analyse" error={errors().maxTokens} hint="Whole contexts; 0 analyses all of the source.">
            <input type="number" data-testid="analysis-tokens" value={form.maxTokens} onInput={(e) => setForm('maxTokens', e.currentTarget.valueAsNumber)} />
          </Field>
          <Field label="Window (± tokens)" error={errors().windowRadius} hint="Tokens shown each side of an example.">
            <input type="number" data-testid="analysis-window" value={form.windowRadius} onInput={(e) => setForm('windowRadius', e.currentTarget.valueAsNumber)} />
          </Field>
          <Field label="Model backend">
            <select data-testid="analysis-backend" value={form.backend} onChange={(e) => setForm('backend', e.currentTarget.value as AnalysisForm['backend'])}>
              <option value="auto">WebGPU (WASM fallback)</option>
              <option value="wasm">WASM</option>
            </select>
          </Field>
        </div>
        <div class="btn-row" style={{ 'margin-top': '12px' }}>
          <button class="btn btn-primary" data-testid="analysis-start" disabled={Boolean(job())} onClick={() => void start()}>
            Analyse
          </button>
          <span class="muted small">Runs the model and the SAE twice over the tokens (statistics, then samples); pausable, and it resumes after a reload.</span>
        </div>
      </Show>
    </section>
  );
}

/** Test your own text: per-token strongest latents (hover) and the latents ranked by their max over it. */
function ProbeCard(props: { saeId: string; analysis: AnalysisRecord; vocab: string[]; rows: ListRow[] }) {
  const { text, setText, busy, result, error, run } = createProbeRun(() => props.analysis, (r) => r);
  const label = (i: number) => {
    const r = props.rows[i];
    return r ? shownLabel(r) : '';
  };
  return (
    <section class="card">
      <h2>Test your own text</h2>
      <p class="muted small">The model and the SAE run on it here (WASM); hover a token for its strongest latents.</p>
      <textarea data-testid="probe-text" rows={2} class="probe-input" value={text()} onInput={(e) => setText(e.currentTarget.value)} />
      <div class="btn-row" style={{ 'margin-top': '8px' }}>
        <button class="btn btn-sm btn-primary" data-testid="probe-run" disabled={busy() || !text().trim()} onClick={() => void run()}>
          {busy() ? 'Running…' : 'Find latents'}
        </button>
      </div>
      <Show when={error()}>
        <p class="error-text small" role="alert" data-testid="probe-error">
          {error()}
        </p>
      </Show>
      <Show when={result()}>
        {(r) => (
          <>
            <div class="token-window-text probe-tokens" data-testid="probe-tokens">
              <For each={r().tokens}>
                {(id, i) => (
                  <span class="tok" classList={{ 'tok-on': r().perToken[i()].length > 0 }} title={`token ${id}: ${r().perToken[i()].map((e) => `#${e.latent} ${fmtSig(e.value)}`).join(', ') || 'no latent'}`}>
                    {visibleToken(props.vocab[id] ?? `<${id}>`)}
                  </span>
                )}
              </For>
            </div>
            <table class="table compact" data-testid="probe-ranking">
              <thead>
                <tr>
                  <th class="num">#</th>
                  <th class="num">Max</th>
                  <th>At token</th>
                  <th>Label</th>
                </tr>
              </thead>
              <tbody>
                <For each={r().ranking.slice(0, 15)}>
                  {(e) => (
                    <tr>
                      <td class="num mono">
                        <A href={`/features/${props.saeId}/${e.latent}`} data-testid="probe-link">
                          {e.latent}
                        </A>
                      </td>
                      <td class="num mono">{fmtSig(e.max)}</td>
                      <td class="mono tok-cell">{visibleToken(props.vocab[r().tokens[e.at]] ?? '')}</td>
                      <td class="muted small">{label(e.latent) || '—'}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </>
        )}
      </Show>
    </section>
  );
}

export function FeaturesPage() {
  const params = useParams<{ saeId?: string }>();
  const navigate = useNavigate();
  const db = getDb();
  const active = createLive(() => activeSaeId(db));
  const library = createLive(() => listLibrary(db));
  const saeId = () => params.saeId ?? active();
  const sae = () => library()?.find((r) => r.checkpoint.id === saeId());
  const analysis = createLiveQuery(saeId, (id) => (id ? readyAnalysis(db, id) : Promise.resolve(undefined)));
  const notes = createLiveQuery(saeId, (id) => (id ? featureNotes(db, id) : Promise.resolve(new Map())));
  const [summary] = createResource(
    () => analysis()?.id,
    async (): Promise<{ ok?: AnalysisSummary; error?: string }> => {
      try {
        return { ok: await readSummary(db, analysis()!) };
      } catch (e) {
        return { error: (e as Error).message };
      }
    },
  );
  const [query, setQuery] = createStore<ListQuery>({ sort: 'index', descending: false, filter: 'all', search: '' });
  const rows = createMemo(() => {
    const s = summary();
    return s?.ok ? listRows(s.ok.rows, notes() ?? new Map()) : [];
  });
  const shown = createMemo(() => queryRows(rows(), query));
  const densityHist = () => summary()?.ok?.densityHistogram;
  const points = createMemo(() => mapPoints(rows()));
  const highlight = createMemo(() => (query.search.trim() || query.filter !== 'all' ? new Set(shown().map((r) => r.index)) : undefined));
  const [scrollTop, setScrollTop] = createSignal(0);
  const first = () => Math.max(0, Math.floor(scrollTop() / ROW_H) - 4);
  const visible = () => shown().slice(first(), first() + VIEW_ROWS + 8);

  const sortBy = (key: SortKey) => setQuery({ sort: key, descending: query.sort === key ? !query.descending : key !== 'index' && key !== 'label' });
  const arrow = (key: SortKey) => (query.sort === key ? (query.descending ? ' ▼' : ' ▲') : '');
  const header = (key: SortKey, label: string, cls = '') => (
    <th class={`sortable ${cls}`} data-testid={`sort-${key}`} aria-sort={query.sort === key ? (query.descending ? 'descending' : 'ascending') : 'none'} onClick={() => sortBy(key)}>
      {label}
      {arrow(key)}
    </th>
  );

  function exportAs(kind: 'csv' | 'json') {
    const name = `features-${sae()?.checkpoint.name ?? saeId()}`.replace(/[^\w.-]+/g, '_');
    const body = kind === 'csv' ? rowsToCsv(shown()) : JSON.stringify({ sae: saeId(), analysis: analysis(), latents: shown() }, null, 2);
    downloadBlob(new Blob([body], { type: kind === 'csv' ? 'text/csv' : 'application/json' }), `${name}.${kind}`);
    toast('success', `Exported ${shown().length} latents as ${kind.toUpperCase()}`);
  }

  async function exportNeuronpedia() {
    const a = analysis();
    const vocab = summary()?.ok?.vocab;
    if (!a || !vocab) return;
    const name = sae()?.checkpoint.name ?? saeId() ?? 'sae';
    await act('export for Neuronpedia', async () => {
      const batch = await neuronpediaExport(db, a, vocab, shown(), name);
      downloadBlob(new Blob([JSON.stringify(batch)], { type: 'application/json' }), `neuronpedia-${batch.layer}-${batch.sae_set}.json`);
      toast('success', `Exported ${batch.features.length} latents and ${batch.explanations.length} explanations for Neuronpedia`);
    });
  }

  return (
    <div class="page">
      <div class="card-head">
        <h1>Features</h1>
        <label class="field" style={{ 'min-width': '320px' }}>
          <span class="field-label">SAE</span>
          <select data-testid="features-sae" value={saeId() ?? ''} onChange={(e) => navigate(`/features/${e.currentTarget.value}`)}>
            <option value="" disabled>
              Choose an SAE…
            </option>
            <For each={library()}>
              {(r) => (
                <option value={r.checkpoint.id}>
                  {r.run?.name ? `${r.run.name} / ` : ''}
                  {r.checkpoint.name} · {r.arch} {r.dIn}→{r.dSae}
                  {r.checkpoint.id === active() ? ' (active)' : ''}
                </option>
              )}
            </For>
          </select>
        </label>
      </div>
      <Show
        when={sae()}
        fallback={
          <section class="card">
            <p class="muted" data-testid="features-empty">
              <Show when={library()?.length} fallback={<>No SAE yet: train one on the <A href="/training">Training</A> page or import one in the <A href="/library">Library</A>.</>}>
                Choose an SAE above, or make one active in the <A href="/library">Library</A> (the header's SAE menu).
              </Show>
            </p>
          </section>
        }
      >
        {(s) => (
          <>
            <AnalysisCard saeId={s().checkpoint.id} dIn={s().dIn} analysis={analysis()} />
            <section class="card" data-testid="features-eval">
              <EvalCard checkpoint={s().checkpoint} collapsed />
            </section>
            <Show when={summary()?.error}>
              {(error) => (
                <p class="banner banner-err" role="alert" data-testid="analysis-corrupt">
                  {error()}
                </p>
              )}
            </Show>
            <Show when={rows().length}>
              <section class="card">
                <Histogram title="Feature density (log10 fraction of tokens)" xLabel="log10 density" data={densityHist} testid="density-histogram" />
              </section>
              <ProbeCard saeId={s().checkpoint.id} analysis={analysis()!} vocab={summary()!.ok!.vocab} rows={rows()} />
              <Show when={points().length}>
                <section class="card">
                  <div class="chart-title">Feature map · UMAP of the decoder directions, coloured by log density; the search and filter below highlight their latents</div>
                  <FeatureMap points={points} highlight={highlight} onOpen={(i) => navigate(`/features/${saeId()}/${i}`)} />
                </section>
              </Show>
              <section class="card">
                <div class="toolbar">
                  <input type="search" class="feature-search" placeholder="Search labels, notes, tokens…" data-testid="features-search" value={query.search} onInput={(e) => setQuery('search', e.currentTarget.value)} />
                  <select data-testid="features-filter" value={query.filter} onChange={(e) => setQuery('filter', e.currentTarget.value as FilterKind)}>
                    <option value="all">all latents</option>
                    <option value="alive">fired at least once</option>
                    <option value="dead">dead (never fired)</option>
                    <option value="dense">dense (&gt; 10% of tokens)</option>
                    <option value="favourites">favourites</option>
                  </select>
                  <span class="muted small" data-testid="features-count">
                    {shown().length.toLocaleString('en-US')} of {rows().length.toLocaleString('en-US')} latents
                  </span>
                  <span style={{ flex: 1 }} />
                  <button class="btn btn-sm" data-testid="export-csv" onClick={() => exportAs('csv')}>
                    Export CSV
                  </button>
                  <button class="btn btn-sm" data-testid="export-json" onClick={() => exportAs('json')}>
                    Export JSON
                  </button>
                  <button class="btn btn-sm" data-testid="export-neuronpedia" title="Neuronpedia batch JSON: each latent with its activations, logits and histograms, and its label as an explanation" onClick={() => void exportNeuronpedia()}>
                    Export for Neuronpedia
                  </button>
                </div>
                <div class="feature-scroll" style={{ height: `${ROW_H * VIEW_ROWS + 34}px` }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} data-testid="features-table">
                  <table class="table feature-table">
                    <thead>
                      <tr>
                        {header('favourite', '★')}
                        {header('index', '#', 'num')}
                        {header('density', 'Density', 'num')}
                        {header('meanActive', 'Mean when active', 'num')}
                        {header('max', 'Max', 'num')}
                        {header('label', 'Label')}
                      </tr>
                    </thead>
                    <tbody>
                      <tr style={{ height: `${first() * ROW_H}px` }} aria-hidden="true" />
                      <For each={visible()}>
                        {(r) => (
                          <tr class="feature-row clickable" data-testid="feature-row" data-index={r.index} style={{ height: `${ROW_H}px` }} onClick={() => navigate(`/features/${saeId()}/${r.index}`)}>
                            <td class="fav">{r.favourite ? '★' : ''}</td>
                            <td class="num mono">
                              <A href={`/features/${saeId()}/${r.index}`}>{r.index}</A>
                            </td>
                            <td class="num mono" data-testid="cell-density">
                              {fmtDensity(r.density)}
                            </td>
                            <td class="num mono">{fmtSig(r.meanActive)}</td>
                            <td class="num mono">{fmtSig(r.max)}</td>
                            <td class="label-cell" classList={{ muted: !r.label }} title={r.label ? 'Label written by a person' : 'Automatic label'}>
                              {shownLabel(r) || '—'}
                            </td>
                          </tr>
                        )}
                      </For>
                      <tr style={{ height: `${Math.max(0, shown().length - first() - visible().length) * ROW_H}px` }} aria-hidden="true" />
                    </tbody>
                  </table>
                </div>
                <p class="muted small">Grey labels are automatic (the tokens it fires on → the tokens it promotes); open a latent to write your own.</p>
              </section>
            </Show>
          </>
        )}
      </Show>
    </div>
  );
}
