// Runs: every training run with its status, key hyperparameters and final metrics; select
// several to overlay their curves; export metrics (CSV, JSON) or whole runs; import; delete.
import { A } from '@solidjs/router';
import type uPlot from 'uplot';
import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { downloadBlob, stamp } from '../../components/download';
import { SaeLensExportButton } from './SaeLensExport';
import { TimeSeries } from '../../components/charts/TimeSeries';
import { allJobs } from '../../state/jobs';
import { createLive } from '../../state/live';
import { loadRunSeries } from '../../state/runSeries';
import { toast } from '../../state/toasts';
import { getDb, type RunRecord } from '../../storage/db';
import { deleteRecord } from '../../storage/repository';
import { exportRunFile, importRunFile, metricsCsv, metricsOfRuns } from '../../storage/runTransfer';

const METRICS = ['loss', 'mse', 'nmse', 'explainedVariance', 'l0', 'l1', 'dead', 'dense', 'auxLoss', 'lr', 'tokensPerSec'];
const COLORS = ['#34d399', '#60a5fa', '#fbbf24', '#f472b6', '#a78bfa', '#f87171', '#2dd4bf', '#facc15'];

function num(v: unknown, digits = 4): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : '—';
}

/** Several runs' series on one x axis (the union of their steps; gaps are null). */
async function overlay(runIds: string[], metric: string): Promise<uPlot.AlignedData> {
  const all = await Promise.all(runIds.map(loadRunSeries));
  const steps = [...new Set(all.flatMap((s) => s.steps))].sort((a, b) => a - b);
  const index = new Map(steps.map((s, i) => [s, i]));
  const ys = all.map((s) => {
    const y = new Array<number | null>(steps.length).fill(null);
    const col = s.cols[metric] ?? [];
    s.steps.forEach((st, i) => (y[index.get(st)!] = col[i] ?? null));
    return y;
  });
  return [steps, ...ys] as uPlot.AlignedData;
}

export function RunsPage() {
  const db = getDb();
  const runs = createLive<RunRecord[]>(() => db.runs.orderBy('createdAt').reverse().toArray());
  // Each run's evaluated checkpoints, newest step first: the table shows the first one's CE loss recovered.
  const evaluated = createLive(() => db.checkpoints.filter((c) => c.evaluation !== undefined).toArray());
  const ceScore = (runId: string) => evaluated()?.filter((c) => c.runId === runId).sort((a, b) => b.step - a.step || b.createdAt - a.createdAt)[0]?.evaluation?.ceLossScore;
  const [picked, setPicked] = createSignal<string[]>([]);
  const [metric, setMetric] = createSignal('loss');
  const [confirmDelete, setConfirmDelete] = createSignal<string[]>();
  const [importError, setImportError] = createSignal<string>();
  const statusOf = (r: RunRecord) => allJobs().find((j) => j.id === r.jobId)?.status ?? r.status;
  const selectedRuns = createMemo(() => (runs() ?? []).filter((r) => picked().includes(r.id)));
  const [chart] = createResource(() => [picked().join(','), metric()] as const, ([ids, m]) => (ids ? overlay(ids.split(','), m) : Promise.resolve(undefined)));

  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));

  async function exportMetrics(kind: 'csv' | 'json') {
    const data = await metricsOfRuns(db, picked());
    const body = kind === 'csv' ? metricsCsv(data) : JSON.stringify(data.map(({ run, rows }) => ({ run: { id: run.id, name: run.name, config: run.config }, metrics: rows })), null, 1);
    downloadBlob(new Blob([body], { type: kind === 'csv' ? 'text/csv' : 'application/json' }), `lantern-metrics-${stamp()}.${kind}`);
  }

  async function exportRun(run: RunRecord) {
    try {
      const bytes = await exportRunFile(db, run.id);
      downloadBlob(new Blob([bytes], { type: 'application/zip' }), `${run.name.replace(/[^\w.-]+/g, '_')}.lantern-run.zip`);
    } catch (e) {
      toast('error', `Could not export ${run.name}`, e instanceof Error ? e.message : String(e));
    }
  }

  async function importRun(file: File) {
    setImportError(undefined);
    try {
      const run = await importRunFile(db, new Uint8Array(await file.arrayBuffer()));
      if (run.importNote) toast('info', 'Run imported without its truncated snapshots', `${run.name} from ${file.name}: ${run.importNote}`);
      else toast('success', 'Run imported', `${run.name} from ${file.name}`);
    } catch (e) {
      setImportError(`${file.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async function doDelete() {
    const ids = confirmDelete() ?? [];
    setConfirmDelete(undefined);
    for (const id of ids) {
      const run = runs()?.find((r) => r.id === id);
      if (run && statusOf(run) === 'running') {
        toast('error', `Not deleted: ${run.name}`, 'It is training; stop or cancel it first.');
        continue;
      }
      try {
        await deleteRecord(db, 'runs', id);
      } catch (e) {
        toast('error', `Could not delete ${run?.name ?? id}`, e instanceof Error ? e.message : String(e));
      }
    }
    setPicked((p) => p.filter((x) => !ids.includes(x)));
  }

  return (
    <section class="page">
      <div class="card-head">
        <h1>Runs</h1>
        <label class="btn">
          Import run…
          <input
            type="file"
            accept=".zip"
            hidden
            data-testid="import-run"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (f) void importRun(f);
            }}
          />
        </label>
      </div>
      <Show when={importError()}>
        <div class="banner banner-err" role="alert" data-testid="run-import-error">
          {importError()}
        </div>
      </Show>
      <div class="card">
        <div class="toolbar">
          <span class="muted">{picked().length} selected</span>
          <button class="btn btn-sm" disabled={!picked().length} onClick={() => exportMetrics('csv')}>
            Export metrics CSV
          </button>
          <button class="btn btn-sm" disabled={!picked().length} onClick={() => exportMetrics('json')}>
            Export metrics JSON
          </button>
          <button class="btn btn-sm btn-danger" disabled={!picked().length} onClick={() => setConfirmDelete(picked())}>
            Delete selected
          </button>
        </div>
        <table class="table" data-testid="runs-table">
          <thead>
            <tr>
              <th />
              <th>Run</th>
              <th>Status</th>
              <th>Architecture</th>
              <th class="num">d_in → d_sae</th>
              <th class="num">k / coef.</th>
              <th class="num">batch</th>
              <th class="num">steps</th>
              <th class="num">loss</th>
              <th class="num">expl. var.</th>
              <th class="num">L0</th>
              <th class="num">dead</th>
              <th class="num" title="CE loss recovered by the newest evaluated checkpoint (Library → Evaluate)">CE rec.</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For each={runs() ?? []} fallback={<tr><td colspan="14" class="muted">No runs yet. Start one on the Training page.</td></tr>}>
              {(r) => {
                const c = r.config as Record<string, unknown>;
                const fm = () => r.finalMetrics ?? {};
                return (
                  <tr data-testid="run-row">
                    <td>
                      <input type="checkbox" aria-label={`Select ${r.name}`} checked={picked().includes(r.id)} onChange={() => toggle(r.id)} />
                    </td>
                    <td>
                      <A href={`/runs/${r.id}`}>{r.name}</A>
                      <div class="muted small">{new Date(r.createdAt).toLocaleString()}</div>
                    </td>
                    <td>
                      <span class={`badge status-${statusOf(r)}`}>{statusOf(r)}</span>
                    </td>
                    <td>{String(c.arch)}</td>
                    <td class="num mono">
                      {String(c.dIn)} → {String(c.dSae)}
                    </td>
                    <td class="num mono">{c.arch === 'topk' || c.arch === 'batchtopk' ? String(c.k) : num(c.sparsityCoefficient)}</td>
                    <td class="num mono">{String(c.batchSize)}</td>
                    <td class="num mono">
                      {r.step} / {String(c.totalSteps)}
                    </td>
                    <td class="num mono">{num(fm().loss)}</td>
                    <td class="num mono">{num(fm().explainedVariance)}</td>
                    <td class="num mono">{num(fm().l0, 3)}</td>
                    <td class="num mono">{num(fm().dead, 3)}</td>
                    <td class="num mono" data-testid="run-ce-score">
                      {num(ceScore(r.id))}
                    </td>
                    <td class="end">
                      <div class="btn-row">
                        <button class="btn btn-sm" onClick={() => exportRun(r)}>
                          Export
                        </button>
                        <SaeLensExportButton runId={r.id} runName={r.name} />
                        <button class="btn btn-sm btn-danger" onClick={() => setConfirmDelete([r.id])}>
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              }}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={picked().length > 0}>
        <div class="card">
          <div class="card-head">
            <h2>
              Compare {picked().length} {picked().length === 1 ? 'run' : 'runs'}
            </h2>
            <select aria-label="Metric" value={metric()} onChange={(e) => setMetric(e.currentTarget.value)}>
              <For each={METRICS}>{(m) => <option value={m}>{m}</option>}</For>
            </select>
          </div>
          <Show when={chart()} keyed>
            {(data) => (
              <TimeSeries
                title={metric()}
                height={280}
                testid="runs-overlay"
                logY={metric() === 'loss' || metric() === 'mse'}
                series={selectedRuns().map((r, i) => ({ label: r.name, color: COLORS[i % COLORS.length] }))}
                data={() => data}
              />
            )}
          </Show>
        </div>
      </Show>
      <ConfirmDialog
        open={Boolean(confirmDelete())}
        title={`Delete ${confirmDelete()?.length ?? 0} run(s)?`}
        confirmLabel="Delete"
        danger
        onConfirm={doDelete}
        onCancel={() => setConfirmDelete(undefined)}
      >
        <p>Their metrics, checkpoints and features are deleted too. This cannot be undone.</p>
      </ConfirmDialog>
    </section>
  );
}
