// Home: what Lantern is, the one-click demo, the workflow with this machine's state at each step,
// the active job, the newest runs and the active SAE.
import { A, useNavigate } from '@solidjs/router';
import { createEffect, createSignal, For, Show } from 'solid-js';
import { JobControls } from '../../components/JobControls';
import { ProgressBar } from '../../components/ProgressBar';
import { createActiveSae } from '../../state/activeSae';
import { report } from '../../state/gpu';
import { activeJob, formatEta, waitingJobs } from '../../state/jobs';
import { createLive } from '../../state/live';
import { toast } from '../../state/toasts';
import { getDb } from '../../storage/db';
import { browserDemoEnv, runDemo } from './demo';
import { DEMO_PLAN_KEY, demoProgress, featuresHref, recentRuns, runHref, workflowCounts, workflowSteps, type DemoStepStatus } from './home.data';

const STATUS_LABEL: Record<DemoStepStatus, string> = {
  done: 'done',
  running: 'running',
  queued: 'waiting',
  paused: 'paused',
  failed: 'failed',
  cancelled: 'cancelled',
  missing: 'not queued',
};

function metric(v: number | undefined, digits = 3): string {
  return v === undefined || !Number.isFinite(v) ? '—' : String(Number(v.toPrecision(digits)));
}

function DemoCard() {
  const db = getDb();
  const navigate = useNavigate();
  const progress = createLive(() => demoProgress(db));
  const [busy, setBusy] = createSignal(false);
  // Set by a click on this page: the feature list opens if the analysis is ready, else the run's dashboard as soon as training starts.
  const [opening, setOpening] = createSignal<string>();
  const canRun = () => report()?.webgpu === true;

  createEffect(() => {
    const p = progress();
    const id = opening();
    if (!id || p?.plan.runId !== id || !(p.featuresSaeId || p.runExists)) return;
    setOpening(undefined);
    navigate(p.featuresSaeId ? featuresHref(p.featuresSaeId) : runHref(id));
  });

  async function start() {
    setBusy(true);
    try {
      const plan = await runDemo(browserDemoEnv());
      await db.settings.put({ key: DEMO_PLAN_KEY, value: plan });
      const queued = Object.values(plan.created).filter(Boolean).length;
      toast('info', queued ? 'Demo queued' : 'Demo already here', queued ? 'Each step is a job in the queue.' : 'Reusing what exists.');
      setOpening(plan.runId);
    } catch (e) {
      toast('error', 'Could not start the demo', e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="card home-demo" data-testid="demo-card">
      <div class="card-head">
        <div>
          <h2>One-click demo</h2>
          <p class="muted">
            Imports the demo corpus, adds the built-in demo GPT-2, tokenizes the corpus with the model's own tokenizer and trains a small TopK SAE on
            live activations from its middle layer, then analyses its features — all offline, a few minutes on a CPU. A second click reuses what is
            already here.
          </p>
        </div>
        <button class="btn btn-primary nowrap" data-testid="demo-run" disabled={busy() || !canRun()} title={canRun() ? '' : 'Needs WebGPU'} onClick={() => void start()}>
          {progress()?.done ? 'Open the demo result' : 'Run the demo'}
        </button>
      </div>
      <Show when={progress()}>
        {(p) => (
          <ol class="demo-steps" data-testid="demo-steps">
            <For each={p().steps}>
              {(s) => (
                <li data-testid="demo-step" data-key={s.key} data-status={s.status}>
                  <span class={`badge ${s.status === 'done' ? 'badge-ok' : s.status === 'failed' || s.status === 'cancelled' ? 'badge-err' : 'badge-warn'}`}>
                    {STATUS_LABEL[s.status]}
                  </span>
                  <span>{s.label}</span>
                  <span>
                    <Show when={s.status === 'running' && s.progress !== undefined}>
                      <ProgressBar value={s.progress!} label={`${s.label} progress`} />
                    </Show>
                  </span>
                  <span class="muted small demo-step-detail">{s.detail ?? ''}</span>
                </li>
              )}
            </For>
          </ol>
        )}
      </Show>
      <Show when={progress()?.runExists ? progress()!.plan.runId : undefined}>
        {(id) => (
          <div class="btn-row">
            <A class="btn btn-sm" href={runHref(id())} data-testid="demo-open-run">
              Open the run's dashboard
            </A>
            <Show when={progress()?.featuresSaeId}>
              {(saeId) => (
                <A class="btn btn-sm btn-primary" href={featuresHref(saeId())} data-testid="demo-open-features">
                  Open its features
                </A>
              )}
            </Show>
          </div>
        )}
      </Show>
    </div>
  );
}

export function HomePage() {
  const db = getDb();
  const counts = createLive(() => workflowCounts(db));
  const runs = createLive(() => recentRuns(db));
  const active = createActiveSae();

  return (
    <section class="page home">
      <div class="home-intro">
        <h1>Lantern</h1>
        <p>
          Lantern trains sparse autoencoders on a language model's activations and lets you inspect what they learn, entirely in this browser with
          WebGPU. Your datasets, models, runs and checkpoints stay on this machine; nothing is uploaded.
        </p>
      </div>
      <DemoCard />
      <div class="card">
        <h2>Workflow</h2>
        <ol class="workflow" data-testid="workflow">
          <For each={counts() ? workflowSteps(counts()!) : []}>
            {(step, i) => (
              <li class={`workflow-step ${step.status}`} data-testid="workflow-step" data-key={step.key} data-status={step.status}>
                <span class="workflow-num">{step.status === 'done' ? '✓' : i() + 1}</span>
                <div class="workflow-body">
                  <A class="workflow-title" href={step.href}>
                    {step.title}
                  </A>
                  <span class="workflow-state" data-testid="workflow-state">
                    {step.state}
                  </span>
                  <span class="muted small">{step.what}</span>
                </div>
              </li>
            )}
          </For>
        </ol>
      </div>
      <div class="grid-2">
        <div class="card" data-testid="home-active-job">
          <h2>Active job</h2>
          <Show
            when={activeJob()}
            fallback={
              <p class="muted">
                No job running{waitingJobs().length ? ` · ${waitingJobs().length} waiting` : ''}. <A href="/jobs">Open the queue</A>.
              </p>
            }
          >
            {(job) => (
              <div class="home-job">
                <A href="/jobs">{job().title}</A>
                <ProgressBar value={job().progress} label={`${job().title} progress`} />
                <span class="muted small">
                  {Math.round(job().progress * 100)}% {job().message ?? ''} {formatEta(job().etaMs)}
                </span>
                <JobControls job={job()} />
              </div>
            )}
          </Show>
          <h2 class="home-sub">Active SAE</h2>
          <p data-testid="home-active-sae">
            <Show when={active()} fallback={<span class="muted">None yet: a finished run's checkpoints can be made active in the Library.</span>}>
              {(a) => (
                <>
                  <A href="/library">{a().checkpoint.name}</A>
                  <span class="muted"> · {a().runName ?? 'imported'} · step {a().checkpoint.step.toLocaleString('en-US')}</span>
                </>
              )}
            </Show>
          </p>
        </div>
        <div class="card" data-testid="home-runs">
          <h2>Recent runs</h2>
          <Show when={(runs() ?? []).length} fallback={<p class="muted">No runs yet.</p>}>
            <table class="table table-compact">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Status</th>
                  <th class="num">Step</th>
                  <th class="num" title="Explained variance at the last step">Expl. var.</th>
                  <th class="num">L0</th>
                </tr>
              </thead>
              <tbody>
                <For each={runs()}>
                  {(r) => (
                    <tr data-testid="home-run">
                      <td>
                        <A href={runHref(r.id)}>{r.name}</A>
                      </td>
                      <td>
                        <span class={`badge ${r.status === 'done' ? 'badge-ok' : r.status === 'failed' ? 'badge-err' : 'badge-warn'}`}>{r.status}</span>
                      </td>
                      <td class="num">{r.step.toLocaleString('en-US')}</td>
                      <td class="num">{metric(r.finalMetrics?.explainedVariance)}</td>
                      <td class="num">{metric(r.finalMetrics?.l0)}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </Show>
        </div>
      </div>
    </section>
  );
}
