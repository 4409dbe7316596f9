// Kiosk (`/kiosk?run=&cycle=&panels=`): a full-screen live view of one run for an always-on display —
// large type, panels cycling every N seconds, a screen wake lock, the cursor hidden when idle.
import type uPlot from 'uplot';
import { A, useNavigate, useSearchParams } from '@solidjs/router';
import { createEffect, createMemo, createSignal, For, Match, on, onCleanup, onMount, Show, Switch } from 'solid-js';
import { TimeSeries, type SeriesSpec } from '../../components/charts/TimeSeries';
import { Histogram } from '../../components/charts/Histogram';
import { ProgressBar } from '../../components/ProgressBar';
import { online } from '../../pwa/register';
import { decimateMinMax } from '../../replay/decimate';
import { createMetricSeries } from '../../replay/live';
import type { MetricSeries } from '../../replay/series';
import { readSnapshot, type Snapshot } from '../../replay/snapshots';
import { activeJob, allJobs, formatEta, waitingJobs } from '../../state/jobs';
import { createLive } from '../../state/live';
import { getDb } from '../../storage/db';
import { chooseRun, PANEL_TITLES, parseKioskParams, type KioskPanel } from './kiosk.data';
import { Big, KioskFeatures, KioskReplay, KioskSteering } from './KioskPanels';
import { createScreenWakeLock } from './wakeLock';
import './kiosk.css';

const C = { a: '#34d399', b: '#60a5fa', c: '#fbbf24', d: '#f472b6' };
/** The cursor hides after this long without a move. */
const IDLE_MS = 3000;

function columns(s: MetricSeries, keys: string[]): uPlot.AlignedData {
  const held = keys.filter((k) => s.cols.has(k));
  const d = decimateMinMax(s.steps, held.map((k) => s.cols.get(k)!), s.length, 600);
  return [d.x, ...keys.map((k) => (held.includes(k) ? d.ys[held.indexOf(k)] : []))] as uPlot.AlignedData;
}

/** Three significant digits: read across a room, not audited. */
const readable = (x: number) => (Number.isInteger(x) ? x.toLocaleString('en') : Number(x.toPrecision(3)).toString());

export function KioskPage() {
  const [params] = useSearchParams<{ run?: string; cycle?: string; panels?: string }>();
  const navigate = useNavigate();
  const opts = createMemo(() => parseKioskParams({ run: params.run, cycle: params.cycle, panels: params.panels }));
  const runs = createLive(() => getDb().runs.toArray());
  const choice = createMemo(() => (runs() ? chooseRun(runs()!, allJobs(), opts().runId) : undefined));
  const run = () => choice()?.run;
  const runId = createMemo(() => run()?.id ?? '');
  const missing = () => (runs() && opts().runId && !runs()!.some((r) => r.id === opts().runId) ? opts().runId : undefined);
  const { series } = createMetricSeries(runId);
  const job = createMemo(() => allJobs().find((j) => j.id === run()?.jobId));
  const total = () => Number(run()?.config.totalSteps ?? 0);
  const values = () => series().valuesAt(series().last)?.values;
  const v = (key: string, digits?: (n: number) => string) => {
    const x = values()?.[key];
    return x === undefined ? '—' : digits ? digits(x) : readable(x);
  };

  // 1. Panels cycle every `cycle` seconds; ←/→ step through them, Esc leaves for the studio.
  const [index, setIndex] = createSignal(0);
  const panel = (): KioskPanel => opts().panels[index() % opts().panels.length];
  createEffect(
    on(
      () => [opts().cycleS, opts().panels.length] as const,
      ([cycleS, n]) => {
        setIndex(0);
        const timer = setInterval(() => setIndex((i) => (i + 1) % n), cycleS * 1000);
        onCleanup(() => clearInterval(timer));
      },
    ),
  );
  const onKey = (e: KeyboardEvent) => {
    const n = opts().panels.length;
    if (e.key === 'ArrowRight') setIndex((i) => (i + 1) % n);
    if (e.key === 'ArrowLeft') setIndex((i) => (i + n - 1) % n);
    if (e.key === 'Escape' && !document.fullscreenElement) navigate('/');
  };

  // 2. The cursor hides when the mouse rests.
  const [idle, setIdle] = createSignal(false);
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const wake = () => {
    setIdle(false);
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => setIdle(true), IDLE_MS);
  };
  onMount(() => {
    window.addEventListener('mousemove', wake);
    window.addEventListener('keydown', onKey);
    wake();
  });
  onCleanup(() => {
    clearTimeout(idleTimer);
    window.removeEventListener('mousemove', wake);
    window.removeEventListener('keydown', onKey);
  });

  // 3. The screen stays on while the kiosk is visible.
  const wakeLock = createScreenWakeLock();
  const wakeText = () => {
    const w = wakeLock();
    if (w.state === 'held') return 'screen kept on';
    if (w.state === 'refused') return `screen may sleep: wake lock refused (${w.reason})`;
    if (w.state === 'unsupported') return 'screen may sleep: no wake lock in this browser';
    if (w.state === 'released') return 'screen may sleep: wake lock released';
    return 'requesting wake lock…';
  };

  // 4. The newest density histogram, read when a new one is recorded.
  const snapStep = createMemo(() => series().snapshotStepAt(series().last));
  const [snapshot, setSnapshot] = createSignal<Snapshot>();
  createEffect(
    on([runId, snapStep], ([id, s]) => {
      if (s === undefined || !id) return setSnapshot(undefined);
      void readSnapshot(getDb(), id, s, s).then((snap) => {
        if (runId() === id && snapStep() === s) setSnapshot(snap);
      });
    }),
  );

  const chartHeight = () => Math.max(200, Math.round(window.innerHeight * 0.52));
  const chart = (title: string, testid: string, specs: (SeriesSpec & { key: string })[], logY?: boolean) => (
    <div class="kiosk-chart">
      <TimeSeries title={title} series={specs} logY={logY} testid={testid} height={chartHeight()} data={() => columns(series(), specs.map((s) => s.key))} />
    </div>
  );
  const status = () => job()?.status ?? run()?.status ?? '';
  const dSae = () => Number(run()?.config.dSae ?? 0);

  return (
    <main class="kiosk" classList={{ 'kiosk-idle': idle() }} data-testid="kiosk">
      <Show when={opts().problems.length || missing()}>
        <div class="kiosk-banner" data-testid="kiosk-problem">
          <Show when={missing()}>
            {(id) => (
              <p>
                No run <span class="mono">{id()}</span> is stored on this device (deleted, or made in another browser).{' '}
                {run() ? 'Showing the run below instead.' : ''} <A href="/kiosk">Open the kiosk without it</A>.
              </p>
            )}
          </Show>
          <For each={opts().problems}>{(p) => <p>{p}</p>}</For>
        </div>
      </Show>
      <Switch>
        <Match when={!choice()}>
          <div class="kiosk-empty" data-testid="kiosk-loading">
            Loading…
          </div>
        </Match>
        <Match when={!run()}>
          <div class="kiosk-empty" data-testid="kiosk-empty">
            <h1>No training runs yet</h1>
            <p>
              This screen shows a training run live as soon as one starts on this device. Start one from <A href="/training">Training</A>, or press <strong>Run the demo</strong> on the{' '}
              <A href="/">home page</A>; it appears here by itself.
            </p>
          </div>
        </Match>
        <Match when={run()}>
          <header class="kiosk-top">
            <div class="kiosk-run">
              <span class="kiosk-run-name" data-testid="kiosk-run" data-run={runId()}>
                {run()!.name}
              </span>
              <span class={`badge status-${status()}`} data-testid="kiosk-status">
                {status()}
              </span>
            </div>
            <div class="kiosk-progress">
              <span class="mono" data-testid="kiosk-step">
                step {series().last} / {total()}
              </span>
              <ProgressBar value={total() ? series().last / total() : 0} label="training progress" />
              <span class="muted">{formatEta(job()?.etaMs)}</span>
            </div>
          </header>
          <section class="kiosk-panel" data-testid="kiosk-panel" data-panel={panel()}>
            <h1 class="kiosk-title">{PANEL_TITLES[panel()]}</h1>
            <Switch>
              <Match when={panel() === 'loss'}>
                <div class="kiosk-stats">
                  <Big label="loss" value={v('loss')} testid="kiosk-loss" />
                  <Big label="explained variance" value={v('explainedVariance', (x) => `${(x * 100).toFixed(1)}%`)} />
                  <Big label="normalised MSE" value={v('nmse')} />
                </div>
                <div class="kiosk-charts">
                  {chart('Loss', 'kiosk-chart-loss', [{ key: 'loss', label: 'loss', color: C.a }], true)}
                  {chart('Explained variance', 'kiosk-chart-ev', [{ key: 'explainedVariance', label: 'explained variance', color: C.b }])}
                </div>
              </Match>
              <Match when={panel() === 'sparsity'}>
                <div class="kiosk-stats">
                  <Big label="L0 (active per token)" value={v('l0')} />
                  <Big label="dead latents" value={v('dead', (x) => (dSae() ? `${x} of ${dSae()}` : String(x)))} />
                  <Big label="dense latents" value={v('dense')} />
                </div>
                <div class="kiosk-charts">
                  {chart('L0', 'kiosk-chart-l0', [{ key: 'l0', label: 'L0', color: C.a }])}
                  {chart('Dead latents', 'kiosk-chart-dead', [{ key: 'dead', label: 'dead', color: C.d }])}
                </div>
              </Match>
              <Match when={panel() === 'density'}>
                <div class="kiosk-stats">
                  <Big label="never fired" value={snapshot()?.densityLog10.zero === undefined ? '—' : String(snapshot()!.densityLog10.zero)} />
                  <Big label="recorded at step" value={snapshot() ? String(snapshot()!.step) : '—'} />
                </div>
                <div class="kiosk-chart">
                  <Histogram title="Feature density (log10 firing rate)" xLabel="log10 firing rate" data={() => snapshot()?.densityLog10} testid="kiosk-hist-density" height={chartHeight()} />
                </div>
              </Match>
              <Match when={panel() === 'throughput'}>
                <div class="kiosk-stats">
                  <Big label="tokens / s" value={v('tokensPerSec', (x) => Math.round(x).toLocaleString('en'))} />
                  <Big label="time left" value={formatEta(job()?.etaMs).replace(' left', '') || '—'} />
                  <Big label="progress" value={total() ? `${Math.floor((100 * series().last) / total())}%` : '—'} />
                </div>
                {chart('Throughput (tokens/s)', 'kiosk-chart-tps', [{ key: 'tokensPerSec', label: 'tokens/s', color: C.b }])}
              </Match>
              <Match when={panel() === 'queue'}>
                <ol class="kiosk-queue" data-testid="kiosk-queue">
                  <Show when={activeJob()} fallback={<li class="muted">No job running</li>}>
                    {(j) => (
                      <li class="kiosk-queue-active">
                        <span class="pulse" /> <span class="kiosk-queue-title">{j().title}</span>
                        <ProgressBar value={j().progress} label={`${j().title} progress`} />
                        <span class="mono">{Math.round(j().progress * 100)}%</span>
                        <span class="muted">{formatEta(j().etaMs)}</span>
                      </li>
                    )}
                  </Show>
                  <For each={waitingJobs()}>
                    {(j) => (
                      <li>
                        <span class="kiosk-queue-title">{j.title}</span> <span class="muted">{j.status === 'paused' ? 'paused' : 'waiting'}</span>
                      </li>
                    )}
                  </For>
                </ol>
              </Match>
              <Match when={panel() === 'replay'}>
                <KioskReplay runId={runId()} snapshotSteps={() => series().snapshotSteps} cycleS={opts().cycleS} height={chartHeight()} />
              </Match>
              <Match when={panel() === 'features'}>
                <KioskFeatures run={run()!} />
              </Match>
              <Match when={panel() === 'steering'}>
                <KioskSteering />
              </Match>
            </Switch>
          </section>
        </Match>
      </Switch>
      <footer class="kiosk-foot">
        <span class="kiosk-dots" aria-label="panels">
          <For each={opts().panels}>{(p) => <span class="kiosk-dot" classList={{ on: run() !== undefined && p === panel() }} title={PANEL_TITLES[p]} />}</For>
        </span>
        <span class="kiosk-meta" data-testid="kiosk-wakelock" data-state={wakeLock().state}>
          {wakeText()}
        </span>
        <Show when={!online()}>
          <span class="kiosk-meta">offline</span>
        </Show>
        <A class="kiosk-meta kiosk-exit" href="/">
          studio (Esc)
        </A>
      </footer>
    </main>
  );
}
