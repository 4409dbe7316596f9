// Live dashboard of one training run: status and controls, every metric over steps (uPlot),
// the feature-density and decoder-norm histograms, and the run's full configuration.
import type uPlot from 'uplot';
import { createMemo, For, Show } from 'solid-js';
import { JobControls } from './JobControls';
import { ProgressBar } from './ProgressBar';
import { SaveCheckpointAs } from './SaveCheckpointAs';
import { TimeSeries, type SeriesSpec } from './charts/TimeSeries';
import { Histogram } from './charts/Histogram';
import { createRunSeries, type RunSeries } from '../state/runSeries';
import { allJobs, formatEta } from '../state/jobs';
import { createLiveQuery } from '../state/live';
import { getDb, type RunRecord } from '../storage/db';
import { describeRunConfig, formatValue as fmt } from './runConfig';

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

function columns(s: RunSeries, keys: string[]): uPlot.AlignedData {
  return [s.steps, ...keys.map((k) => s.cols[k] ?? [])] as uPlot.AlignedData;
}

export function RunDashboard(props: { run: RunRecord }) {
  const series = createRunSeries(() => props.run.id);
  const job = createMemo(() => allJobs().find((j) => j.id === props.run.jobId));
  const total = () => Number(props.run.config.totalSteps ?? 0);
  const step = () => series().steps.at(-1) ?? 0;
  const last = () => series().last?.values;
  const configRows = createLiveQuery(
    () => props.run.config,
    (config) => describeRunConfig(getDb(), config),
  );
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
                  {last()?.[key] === undefined ? '—' : fmt(last()![key])}
                </div>
              </div>
            )}
          </For>
        </div>
        <Show when={job()?.error}>{(err) => <div class="banner banner-err">{err().message}</div>}</Show>
      </div>
      <div class="chart-grid">
        <For each={PANELS}>
          {(panel) => (
            <div class="card chart-card">
              <TimeSeries title={panel.title} series={panel.series} logY={panel.logY} testid={panel.testid} data={() => columns(series(), panel.series.map((s) => s.key))} />
            </div>
          )}
        </For>
        <div class="card chart-card">
          <Histogram title={`Feature density (log10)${series().histograms ? ` at step ${series().histograms!.step}` : ''}`} xLabel="log10 firing rate" data={() => series().histograms?.densityLog10} testid="hist-density" />
        </div>
        <div class="card chart-card">
          <Histogram title="Decoder row norms" xLabel="‖W_dec row‖" color="#60a5fa" data={() => series().histograms?.decoderNorm} testid="hist-norms" />
        </div>
      </div>
      <details class="card" data-testid="run-config">
        <summary>Configuration (every hyperparameter of this run)</summary>
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
    </div>
  );
}
