// Datasets: add one (local file, Hub, or the built-in demo corpus), watch imports, see why an
// import was refused, list every dataset, and open one for statistics, tokens and samples.
import { useSearchParams } from '@solidjs/router';
import { createEffect, For, Show } from 'solid-js';
import { JobControls } from '../../components/JobControls';
import { ProgressBar } from '../../components/ProgressBar';
import type { IngestParams } from '../../jobs/kinds/ingest';
import { act } from '../../state/gpu';
import { activeJobFor, DEMO_CORPUS_NAME, retrySkippingMalformed, startDemoImport, sweepAbandoned } from '../../state/datasets';
import { allJobs, formatEta } from '../../state/jobs';
import { createLive } from '../../state/live';
import { createProblem, dismissProblem } from '../../state/problems';
import { getDb, type DatasetRecord, type JobRecord, type TokenizationRecord } from '../../storage/db';
import { formatBytes } from '../../storage/persistence';
import { deleteRecord } from '../../storage/repository';
import { DatasetDetail } from './DatasetDetail';
import { ImportCard } from './ImportCard';

function sourceLabel(d: DatasetRecord): string {
  const s = d.source;
  if (s.type === 'hub') return `Hub · ${String(s.dataset)} (${String(s.config)}/${String(s.split)}, ${String(s.method ?? 'rows')})`;
  return `File · ${String(s.name)} (${String(s.format)})`;
}

function ImportProblem(props: { job: JobRecord }) {
  const e = () => props.job.error;
  // Malformed JSON lines, or a JSON/JSONL line or record without text: importing again in skip mode leaves them out.
  const malformed = () => e()?.code === 'malformed-jsonl' || (e()?.code === 'missing-field' && typeof e()?.details?.where === 'string');
  return (
    <div class="banner banner-err import-problem" role="alert" data-testid="import-problem" data-code={e()?.code}>
      <div>
        <strong>{props.job.title} was refused; nothing was stored.</strong>
        <div data-testid="import-problem-message">{e()?.message}</div>
      </div>
      <div class="btn-row">
        <Show when={malformed()}>
          <button
            class="btn btn-sm"
            data-testid="skip-malformed"
            onClick={() =>
              act('import without the malformed lines', async () => {
                await retrySkippingMalformed(props.job);
                await deleteRecord(getDb(), 'jobs', props.job.id);
              })
            }
          >
            Skip those lines and import
          </button>
        </Show>
        <button class="btn btn-sm" data-testid="dismiss-problem" onClick={() => act('dismiss', () => dismissProblem(props.job))}>
          Dismiss
        </button>
      </div>
    </div>
  );
}

export function DatasetsPage() {
  const db = getDb();
  const datasets = createLive<DatasetRecord[]>(() => db.datasets.orderBy('createdAt').reverse().toArray());
  const tokenizations = createLive<TokenizationRecord[]>(() => db.tokenizations.toArray());
  const [params, setParams] = useSearchParams<{ id?: string }>();
  const selected = () => (datasets() ?? []).find((d) => d.id === params.id);

  const problem = createProblem('ingest');
  const tokenizationCount = (id: string) => (tokenizations() ?? []).filter((t) => t.datasetId === id && t.status === 'ready').length;
  const demoPending = () => allJobs().some((j) => j.kind === 'ingest' && (j.params as IngestParams).name === DEMO_CORPUS_NAME && j.status !== 'failed' && j.status !== 'cancelled');

  createEffect(() => {
    const d = datasets();
    const t = tokenizations();
    allJobs(); // also re-run when a job fails or is cancelled
    if (d && t) void sweepAbandoned(d, t);
  });
  // A dataset is opened as soon as its import finishes, when none was open.
  createEffect(() => {
    const list = datasets() ?? [];
    if (!params.id && list[0]?.status === 'ready') setParams({ id: list[0].id });
  });

  return (
    <section class="page">
      <h1>Datasets</h1>
      <Show when={datasets() !== undefined && datasets()!.length === 0 && !demoPending()}>
        <div class="card demo-offer" data-testid="demo-offer">
          <div class="card-head">
            <div>
              <h2>Start with the demo corpus</h2>
              <p class="muted">
                1,600 short documents on eight topics (numbers, colours, code, dates, names, HTML, animals, cooking), shipped with the app: no
                download needed.
              </p>
            </div>
            <button class="btn btn-primary" data-testid="demo-import" onClick={() => act('import the demo corpus', startDemoImport)}>
              Import demo corpus
            </button>
          </div>
        </div>
      </Show>
      <ImportCard />
      <Show when={problem()} keyed>
        {(job) => <ImportProblem job={job} />}
      </Show>
      <div class="card">
        <h2>All datasets</h2>
        <Show when={(datasets() ?? []).length} fallback={<p class="muted">No datasets yet.</p>}>
          <table class="table" data-testid="dataset-list">
            <thead>
              <tr>
                <th>Name</th>
                <th>Source</th>
                <th class="num">Rows</th>
                <th class="num">Bytes</th>
                <th class="num">Tokenizations</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              <For each={datasets()}>
                {(d) => {
                  const job = () => activeJobFor(allJobs(), d.jobId);
                  return (
                    <tr
                      class="clickable"
                      classList={{ selected: d.id === params.id }}
                      data-testid="dataset-row"
                      data-name={d.name}
                      data-status={d.status}
                      onClick={() => setParams({ id: d.id })}
                    >
                      <td>{d.name}</td>
                      <td class="muted">{sourceLabel(d)}</td>
                      <td class="num" data-testid="ds-rows">
                        {d.rows.toLocaleString('en-US')}
                      </td>
                      <td class="num">{formatBytes(d.bytes)}</td>
                      <td class="num" data-testid="ds-tokenizations">
                        {tokenizationCount(d.id)}
                      </td>
                      <td data-testid="ds-status">
                        <Show when={job()} fallback={<span class={`badge ${d.status === 'ready' ? 'badge-ok' : 'badge-warn'}`}>{d.status}</span>}>
                          {(j) => (
                            <div class="progress-cell" onClick={(e) => e.stopPropagation()}>
                              <ProgressBar value={j().progress} label="import progress" />
                              <span class="muted small">
                                {j().status} {Math.round(j().progress * 100)}% {j().message ?? ''} {formatEta(j().etaMs)}
                              </span>
                              <JobControls job={j()} />
                            </div>
                          )}
                        </Show>
                      </td>
                    </tr>
                  );
                }}
              </For>
            </tbody>
          </table>
        </Show>
      </div>
      <Show when={selected()?.status === 'ready' ? selected()?.id : undefined} keyed>
        <DatasetDetail dataset={selected()!} onDeleted={() => setParams({ id: undefined })} />
      </Show>
    </section>
  );
}
