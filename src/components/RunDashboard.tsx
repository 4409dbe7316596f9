// Dashboard of one training run, live or replayed at any past step (`?step=`): status and controls,
// the scrub bar, every metric over steps (uPlot, cursor at the shown step), that step's values, the
// feature-density and decoder-norm histograms recorded at or before it, the latent timeline, the
// probe texts, and the run's configuration.
import type uPlot from 'uplot';
import { A, useSearchParams } from '@solidjs/router';
import { createEffect, createMemo, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { JobControls } from './JobControls';
import { ProgressBar } from './ProgressBar';
import { SaveCheckpointAs } from './SaveCheckpointAs';
import { TimeSeries, type SeriesSpec } from './charts/TimeSeries';
import { Histogram } from './charts/Histogram';
import { ScrubBar } from './ScrubBar';
import { LatentTimeline } from './LatentTimeline';
import { ProbePanel } from './ProbePanel';
import { allJobs, formatEta } from '../state/jobs';
import { createLiveQuery } from '../state/live';
import { getDb, type RunRecord } from '../storage/db';
import { describeRunConfig, formatValue as fmt } from './runConfig';
import { parseStepParam, resolveStep, type DisplayStep } from '../replay/displayStep';
import { createMetricSeries } from '../replay/live';
import { decimateMinMax } from '../replay/decimate';
import { indexAtOrBefore, type MetricSeries } from '../replay/series';
import { SnapshotCache, type Snapshot } from '../replay/snapshots';
import { BranchDialog } from '../routes/library/BranchDialog';
import { listLibrary, type LibraryRow } from '../routes/library/library';

const C = { a: '#34d399', b: '#60a5fa', c: '#fbbf24', d: '#f472b6', e: '#a78bfa' };

const PANELS: { title: string; series: (SeriesSpec & { key: string })[]; logY?: boolean; testid: string }[] = [
  {
    title: 'Loss and its terms',
    logY: true,
    testid: 'chart-loss',
    series: [
      { key: 'loss', label: 'loss', color: C.a },
      { key: 'mse', label: 'MSE', color: C.b },
      { key: 'sparsityLoss', label: 'sparsity', color: C.c },
      { key: 'auxLoss', label: 'AuxK', color: C.d },
    ],
  },
  {
    title: 'Reconstruction',
    testid: 'chart-recon',
    series: [
      { key: 'nmse', label: 'normalised MSE', color: C.b },
      { key: 'explainedVariance', label: 'explained variance', color: C.a },
    ],
  },
  { title: 'L0 (active latents per token)', testid: 'chart-l0', series: [{ key: 'l0', label: 'L0', color: C.a }, { key: 'l1', label: 'L1', color: C.e, dash: [4, 3] }] },
  {
    title: 'Dead and dense latents',
    testid: 'chart-dead',
    series: [
      { key: 'dead', label: 'dead', color: C.d },
      { key: 'dense', label: 'dense', color: C.c },
    ],
  },
  { title: 'Learning rate', testid: 'chart-lr', series: [{ key: 'lr', label: 'LR', color: C.e }, { key: 'sparsityCoef', label: 'sparsity coef.', color: C.c, dash: [4, 3] }] },
  { title: 'Throughput (tokens/s)', testid: 'chart-tps', series: [{ key: 'tokensPerSec', label: 'tokens/s', color: C.b }] },
];

/** Quiet time after the last scrub move before the URL's `?step=` is rewritten. */
const URL_WRITE_MS = 250;

/** Horizontal buckets of a drawn series: at most two points each (min/max). */
const BUCKETS = 1000;

/** [steps, …one column per key]; a metric this run never logged is an empty column (uPlot draws nothing). */
function columns(s: MetricSeries, keys: string[]): uPlot.AlignedData {
  const held = keys.filter((k) => s.cols.has(k));
  const d = decimateMinMax(s.steps, held.map((k) => s.cols.get(k)!), s.length, BUCKETS);
  return [d.x, ...keys.map((k) => (held.includes(k) ? d.ys[held.indexOf(k)] : []))] as uPlot.AlignedData;
}

export function RunDashboard(props: { run: RunRecord }) {
  const { series, ready } = createMetricSeries(() => props.run.id);
  const job = createMemo(() => allJobs().find((j) => j.id === props.run.jobId));
  const total = () => Number(props.run.config.totalSteps ?? 0);
  const step = () => series().last;
  // The asked-for step is held here and written to `?step=` once a scrub pauses: a history write
  // per move costs more than the redraw, and Chromium throttles bursts of them. A changed URL
  // (a link, a reload) is adopted.
  const [params, setParams] = useSearchParams<{ step?: string }>();
  const [stepParam, setStepParam] = createSignal(params.step);
  let urlStep = params.step;
  let urlTimer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(urlTimer));
  createEffect(
    on(
      () => params.step,
      (raw) => {
        if (raw === urlStep) return;
        urlStep = raw;
        setStepParam(raw);
      },
      { defer: true },
    ),
  );
  const parsed = createMemo(() => parseStepParam(stepParam()));
  const shown = createMemo(() => resolveStep(parsed().requested, series().first, series().last));
  const at = createMemo(() => series().valuesAt(shown().step));
  const setStep = (s: DisplayStep) => {
    const raw = s === 'live' ? undefined : String(s);
    setStepParam(raw);
    clearTimeout(urlTimer);
    urlTimer = setTimeout(() => {
      urlStep = raw;
      setParams({ step: raw }, { replace: true });
    }, URL_WRITE_MS);
  };
  const cursor = () => (shown().live ? undefined : shown().step);

  // The snapshot at or before the shown step: read by key with its neighbours prefetched, so a scrub
  // into the next snapshot shows it at once; a resume forgets the recomputed ones.
  const snapStep = createMemo(() => series().snapshotStepAt(shown().step));
  const [snapshot, setSnapshot] = createSignal<Snapshot>();
  const snapshots = createMemo(() => new SnapshotCache(getDb(), props.run.id));
  let heldLast = 0;
  createEffect(
    on(series, (s) => {
      if (s.last < heldLast) snapshots().dropAfter(s.last);
      heldLast = s.last;
    }),
  );
  createEffect(
    on([snapStep, snapshots], ([s, cache]) => {
      if (s === undefined) return setSnapshot(undefined);
      const steps = series().snapshotSteps;
      const held = cache.get(s);
      if (held) setSnapshot(held);
      void cache.load(steps, indexAtOrBefore(steps, steps.length, s)).then((snap) => {
        if (snap && snapshots() === cache && snapStep() === s) setSnapshot(snap);
      });
    }),
  );

  const runId = createMemo(() => props.run.id);
  const noSnapshot = () => (shown().live || !series().snapshotSteps.length ? undefined : `none recorded at or before step ${shown().step} (the first is at step ${series().snapshotSteps[0]})`);

  const checkpoints = createLiveQuery(
    runId,
    (id) => getDb().checkpoints.where('runId').equals(id).filter((c) => c.complete === 1).sortBy('step'),
  );
  const [branching, setBranching] = createSignal<LibraryRow>();
  const branchFrom = (id: string) => void listLibrary(getDb()).then((rows) => setBranching(rows.find((r) => r.checkpoint.id === id)));
  const parentId = createMemo(() => props.run.config.fromCheckpointId);
  const parent = createLiveQuery(
    parentId,
    async (id) => {
      const ckpt = typeof id === 'string' ? await getDb().checkpoints.get(id) : undefined;
      return ckpt ? { ckpt, run: await getDb().runs.get(ckpt.runId) } : undefined;
    },
  );
  const configRows = createLiveQuery(
    () => props.run.config,
    (config) => describeRunConfig(getDb(), config),
  );
  const cursorText = (keys: { key: string; label: string }[]) => () => {
    if (shown().live) return undefined;
    const v = at()?.values;
    return `step ${shown().step}: ${keys.map((k) => `${k.label} ${v?.[k.key] === undefined ? '—' : fmt(v[k.key])}`).join(', ')}`;
  };
  return (
    <div class="dashboard" data-testid="run-dashboard">
      <div class="card">
        <div class="card-head">
          <h2>
            {props.run.name} <span class="muted small mono">{props.run.id}</span>
          </h2>
          <div class="btn-row">
            <SaveCheckpointAs runId={props.run.id} runName={props.run.name} />
            <Show when={job()}>{(j) => <JobControls job={j()} />}</Show>
          </div>
        </div>
        <div class="run-status">
          <span class={`badge status-${job()?.status ?? props.run.status}`} data-testid="run-status">
            {job()?.status ?? props.run.status}
          </span>
          <ProgressBar value={total() ? step() / total() : 0} label="training progress" />
          <span class="mono" data-testid="run-step">
            step {step()} / {total()}
          </span>
          <span class="muted">{formatEta(job()?.etaMs)}</span>
        </div>
        <div class="stat-row">
          <For each={[['loss', 'loss'], ['mse', 'MSE'], ['explainedVariance', 'expl. var.'], ['l0', 'L0'], ['dead', 'dead'], ['tokensPerSec', 'tokens/s']] as const}>
            {([key, label]) => (
              <div class="stat">
                <div class="stat-label">{label}</div>
                <div class="stat-value mono" data-testid={`stat-${key}`}>
                  {at()?.values[key] === undefined ? '—' : fmt(at()!.values[key])}
                </div>
              </div>
            )}
          </For>
        </div>
        <Show when={job()?.error}>{(err) => <div class="banner banner-err">{err().message}</div>}</Show>
      </div>
      <ScrubBar
        first={series().first}
        last={series().last}
        step={shown().step}
        live={shown().live}
        checkpoints={(checkpoints() ?? []).map((c) => ({ id: c.id, name: c.name, step: c.step }))}
        onStep={setStep}
        onBranch={branchFrom}
      />
      <Show when={ready() && (parsed().error ?? shown().message)}>
        {(msg) => (
          <div class="banner banner-warn" data-testid="replay-message">
            {msg()}
          </div>
        )}
      </Show>
      <Show when={props.run.importNote}>
        {(note) => (
          <div class="banner banner-warn" data-testid="run-import-note">
            {note()}
          </div>
        )}
      </Show>
      <div class="chart-grid">
        <For each={PANELS}>
          {(panel) => {
            // Decimated once per change of the series, however often the chart reads it.
            const data = createMemo(() => columns(series(), panel.series.map((s) => s.key)));
            return (
              <div class="card chart-card">
                <TimeSeries title={panel.title} series={panel.series} logY={panel.logY} testid={panel.testid} data={data} cursor={cursor} cursorText={cursorText(panel.series)} />
              </div>
            );
          }}
        </For>
        <div class="card chart-card" data-testid="snapshot-density" data-step={snapshot()?.step} data-counts={snapshot()?.densityLog10.counts.join(',')}>
          <Histogram title={`Feature density (log10)${snapshot() ? ` at step ${snapshot()!.step}` : ''}`} xLabel="log10 firing rate" data={() => snapshot()?.densityLog10} testid="hist-density" empty={noSnapshot()} />
        </div>
        <div class="card chart-card" data-testid="snapshot-norms" data-step={snapshot()?.step} data-counts={snapshot()?.decoderNorm.counts.join(',')}>
          <Histogram title={`Decoder row norms${snapshot() ? ` at step ${snapshot()!.step}` : ''}`} xLabel="‖W_dec row‖" color="#60a5fa" data={() => snapshot()?.decoderNorm} testid="hist-norms" empty={noSnapshot()} />
        </div>
        <LatentTimeline runId={props.run.id} snapshotSteps={() => series().snapshotSteps} step={() => shown().step} />
        <Show when={props.run.probeTokens}>
          {(tokens) => <ProbePanel runId={props.run.id} tokens={tokens()} snapshotSteps={() => series().snapshotSteps} step={() => shown().step} live={() => shown().live} />}
        </Show>
      </div>
      <details class="card" data-testid="run-config">
        <summary>Configuration (every hyperparameter of this run)</summary>
        <Show when={parent()}>
          {(p) => (
            <p data-testid="run-parent">
              Branch of{' '}
              <Show when={p().run} fallback={<span>a deleted run</span>}>
                {(r) => <A href={`/runs/${encodeURIComponent(r().id)}?step=${p().ckpt.step}`}>{r().name}</A>}
              </Show>{' '}
              at checkpoint {p().ckpt.name}, step {p().ckpt.step}.
            </p>
          )}
        </Show>
        <dl class="kv kv-3">
          <For each={configRows() ?? []}>
            {([k, v]) => (
              <>
                <dt class="mono">{k}</dt>
                <dd class="mono">{v}</dd>
              </>
            )}
          </For>
        </dl>
      </details>
      <Show when={branching()} keyed>
        {(row) => <BranchDialog row={row} onClose={() => setBranching(undefined)} />}
      </Show>
    </div>
  );
}
