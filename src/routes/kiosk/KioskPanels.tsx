// The kiosk's big figures and its replay, features and steering panels: the run's latent history
// auto-playing, the analysed SAE's feature map and densest latents, the steering preset — large type.
import { A, useNavigate } from '@solidjs/router';
import { createEffect, createMemo, createResource, createSignal, For, Match, on, onCleanup, Show, Switch, type JSX } from 'solid-js';
import { FeatureMap } from '../../components/charts/FeatureMap';
import { Histogram } from '../../components/charts/Histogram';
import { LatentTimeline } from '../../components/LatentTimeline';
import { ProgressBar } from '../../components/ProgressBar';
import { visibleToken } from '../../features/tokens';
import { readSnapshot, type Snapshot } from '../../replay/snapshots';
import { createLive, createLiveQuery } from '../../state/live';
import { featureNotes, readSummary } from '../../storage/analyses';
import type { FeatureSummaryRow } from '../../features/types';
import { getDb, type FeatureRecord, type RunRecord } from '../../storage/db';
import { mapPoints, shownLabel } from '../features/features.data';
import { fmtDensity, fmtSig } from '../features/format';
import { activeSaeId } from '../../state/activeSae';
import { activeSaeLabels, chooseAnalysis, chooseSteeringPreset, replayTickMs, topFeatures } from './kiosk.data';

/** Densest latents listed beside the map: as many as fit a 720-line screen in the kiosk's type. */
const TOP = 6;

export function Big(props: { label: string; value: string; testid?: string }) {
  return (
    <div class="kiosk-stat">
      <div class="kiosk-stat-label">{props.label}</div>
      <div class="kiosk-stat-value mono" data-testid={props.testid}>
        {props.value}
      </div>
    </div>
  );
}

/** What to do, in large type, where a panel has nothing to show yet. */
function Nothing(props: { title: string; testid: string; children: JSX.Element }) {
  return (
    <div class="kiosk-nothing" data-testid={props.testid}>
      <h2>{props.title}</h2>
      <p>{props.children}</p>
    </div>
  );
}

/**
 * The run's history played on a loop: the latent timeline with its marker moving snapshot by snapshot,
 * and the density histogram recorded at the marked step; it holds on the newest a while before restarting.
 */
export function KioskReplay(props: { runId: string; snapshotSteps: () => number[]; cycleS: number; height: number }) {
  const [frame, setFrame] = createSignal(0);
  const n = () => props.snapshotSteps().length;
  createEffect(
    on(
      () => replayTickMs(n(), props.cycleS),
      (ms) => {
        const timer = setInterval(() => setFrame((f) => f + 1), ms);
        onCleanup(() => clearInterval(timer));
      },
    ),
  );
  /** Play n frames, then hold on the newest for a quarter as long. */
  const step = createMemo(() => {
    const steps = props.snapshotSteps();
    if (!steps.length) return undefined;
    const hold = Math.ceil(steps.length / 4) + 1;
    return steps[Math.min(frame() % (steps.length + hold), steps.length - 1)];
  });
  const [snapshot, setSnapshot] = createSignal<Snapshot>();
  const held = new Map<number, Snapshot>();
  createEffect(
    on(step, (s) => {
      if (s === undefined) return setSnapshot(undefined);
      const known = held.get(s);
      if (known) return setSnapshot(known);
      void readSnapshot(getDb(), props.runId, s, s).then((snap) => {
        if (!snap) return;
        held.set(s, snap);
        if (step() === s) setSnapshot(snap);
      });
    }),
  );
  const fired = () => snapshot()?.densityLog10.counts.reduce((a, b) => a + b, 0);

  return (
    <Show
      when={n()}
      fallback={
        <Nothing title="Nothing to replay yet" testid="kiosk-replay-empty">
          The run records its latents with every density histogram; the replay starts with the first one.
        </Nothing>
      }
    >
      <div class="kiosk-stats">
        <Big label="replaying step" value={step() === undefined ? '—' : `${step()!.toLocaleString('en')}`} testid="kiosk-replay-step" />
        <Big label="latents that fired" value={fired() === undefined ? '—' : fired()!.toLocaleString('en')} />
        <Big label="never fired" value={snapshot()?.densityLog10.zero === undefined ? '—' : snapshot()!.densityLog10.zero!.toLocaleString('en')} />
      </div>
      <div class="kiosk-replay-bar">
        <span class="mono">{props.snapshotSteps()[0].toLocaleString('en')}</span>
        <ProgressBar value={n() > 1 ? props.snapshotSteps().indexOf(step()!) / (n() - 1) : 1} label="replay position" />
        <span class="mono">{props.snapshotSteps()[n() - 1].toLocaleString('en')}</span>
      </div>
      <div class="kiosk-charts kiosk-replay">
        <LatentTimeline runId={props.runId} snapshotSteps={props.snapshotSteps} step={() => step() ?? 0} />
        <div class="kiosk-chart">
          <Histogram title={`Feature density (log10 firing rate) at step ${snapshot()?.step ?? '—'}`} xLabel="log10 firing rate" data={() => snapshot()?.densityLog10} testid="kiosk-replay-density" height={props.height} />
        </div>
      </div>
    </Show>
  );
}

/** The feature map of the run's newest analysed checkpoint (or the active SAE), with its densest latents. */
export function KioskFeatures(props: { run: RunRecord }) {
  const db = getDb();
  const navigate = useNavigate();
  const runId = createMemo(() => props.run.id);
  const choice = createLiveQuery(runId, () => chooseAnalysis(db, props.run));
  const found = createMemo(() => {
    const c = choice();
    return c?.analysis ? c : undefined;
  });
  const [data] = createResource(
    () => found()?.analysis,
    async (analysis): Promise<{ rows: FeatureSummaryRow[]; notes: Map<number, FeatureRecord> } | { error: string }> => {
      try {
        const [summary, notes] = await Promise.all([readSummary(db, analysis), featureNotes(db, analysis.saeId)]);
        return { rows: summary.rows, notes };
      } catch (e) {
        return { error: (e as Error).message };
      }
    },
  );
  const rows = createMemo(() => {
    const d = data();
    return d && 'rows' in d ? d.rows : [];
  });
  const error = () => {
    const d = data();
    return d && 'error' in d ? d.error : undefined;
  };
  const top = createMemo(() => {
    const d = data();
    return d && 'rows' in d ? topFeatures(d.rows, d.notes, TOP) : [];
  });
  const points = createMemo(() => mapPoints(rows()));
  const alive = () => rows().filter((r) => r.density > 0).length;

  const noneText = () => {
    const c = choice();
    if (!c || c.analysis) return '';
    const which = c.newest ? `this run's newest checkpoint, ${c.newest.name} (step ${c.newest.step}),` : c.active ? `the active SAE, ${c.active.name},` : 'an SAE';
    const why = c.synthetic && !c.active ? 'This run trains on synthetic data, so its SAEs read no model and cannot be analysed. Make an SAE trained on a model active, then ' : 'To see one here, ';
    const what = c.synthetic && !c.active ? 'open Features and press Analyse' : `open Features with ${which} and press Analyse`;
    return `${why}${what}; its feature map appears here by itself.`;
  };

  return (
    <Switch>
      <Match when={choice() && !choice()!.analysis}>
        <Nothing title="No feature analysis yet" testid="kiosk-features-none">
          {noneText()}
        </Nothing>
      </Match>
      <Match when={error()}>
        {(msg) => (
          <Nothing title="The stored analysis cannot be read" testid="kiosk-features-error">
            {msg()}
          </Nothing>
        )}
      </Match>
      <Match when={found() && top().length ? found() : undefined}>
        {(f) => (
          <>
            <p class="kiosk-sub" data-testid="kiosk-features-sae">
              SAE <b>{f().sae.name}</b>
              {f().why === 'active' ? ' (the active SAE)' : ` of this run, step ${f().sae.step}`} · {alive()} of {f().analysis.dSae} latents fired on {f().analysis.tokens.toLocaleString('en')} tokens
            </p>
            <div class="kiosk-features">
              <Show when={points().length} fallback={<div class="kiosk-map muted">This analysis has no map positions.</div>}>
                <div class="kiosk-map">
                  <FeatureMap points={points} highlight={() => undefined} radiusScale={2.5} onOpen={(i) => navigate(`/features/${encodeURIComponent(f().sae.id)}/${i}`)} />
                </div>
              </Show>
              <ol class="kiosk-top-features" data-testid="kiosk-top-features">
                <For each={top()}>
                  {(r) => (
                    <li data-testid="kiosk-feature" data-index={r.index}>
                      <span class="mono kiosk-feature-index">#{r.index}</span>
                      <span class="mono kiosk-feature-density">{fmtDensity(r.density)}</span>
                      <span class="kiosk-feature-label">{shownLabel(r) || '—'}</span>
                      <span class="kiosk-feature-tokens mono">
                        <For each={r.topTokens.slice(0, 4)}>{(t) => <span class="kiosk-token">{visibleToken(t)}</span>}</For>
                      </span>
                      <span class="kiosk-feature-max muted">max {fmtSig(r.max)}</span>
                    </li>
                  )}
                </For>
              </ol>
            </div>
          </>
        )}
      </Match>
    </Switch>
  );
}

/** The favourite (or newest) steering preset: its prompt and latents, and where its texts are made. */
export function KioskSteering() {
  const db = getDb();
  /** undefined while loading, null when no preset is saved. */
  const preset = createLive(async () => (await chooseSteeringPreset(db)) ?? null);
  const activeId = createLive(async () => (await activeSaeId(db)) ?? null);
  const [labels] = createResource(activeId, async () => {
    try {
      return await activeSaeLabels(db);
    } catch {
      return undefined;
    }
  });
  return (
    <Show
      when={preset()}
      fallback={
        <Show when={preset() === null}>
          <Nothing title="No steering preset saved" testid="kiosk-steering-none">
            On the Steering page, choose latents and strengths, generate, then save the set-up as a preset (a star makes it the one shown here); it appears here by itself.
          </Nothing>
        </Show>
      }
    >
      <div class="kiosk-steering" data-testid="kiosk-steering">
        <p class="kiosk-sub">
          preset <b data-testid="kiosk-preset-name">{preset()!.name}</b>
          {preset()!.favourite ? ' ★' : ''} · multiplier {fmtSig(preset()!.multiplier)}
        </p>
        <blockquote class="kiosk-prompt" data-testid="kiosk-preset-prompt">
          “{preset()!.prompt}”
        </blockquote>
        <Show when={preset()!.problem}>{(p) => <p class="kiosk-banner">{p()}</p>}</Show>
        <Show when={preset()!.latents.length} fallback={<p class="kiosk-sub">No latents: the steered text equals the default one.</p>}>
          <ul class="kiosk-latents">
            <For each={preset()!.latents}>
              {(l) => (
                <li>
                  <span class="kiosk-preset-latent" data-testid="kiosk-preset-latent">
                    <span class="mono">#{l.latent}</span> <span>{l.method}</span> <span class="mono">{fmtSig(l.strength)}</span>
                  </span>
                  <Show when={labels()?.rows.get(l.latent)}>
                    {(r) => (
                      <span class="kiosk-preset-label" data-testid="kiosk-preset-label">
                        {shownLabel(r()) || '—'}
                        <span class="kiosk-feature-tokens mono">
                          <For each={r().topTokens.slice(0, 4)}>{(t) => <span class="kiosk-token">{visibleToken(t)}</span>}</For>
                        </span>
                      </span>
                    )}
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={labels()}>{(l) => <p class="kiosk-sub">Labels from the active SAE, {l().sae}, which the Steering page steers with.</p>}</Show>
        <p class="kiosk-note">
          Presets keep the set-up, not the generated text. <A href="/steering">Open Steering</A>, load “{preset()!.name}” and generate to read the default and steered continuations side by side.
        </p>
      </div>
    </Show>
  );
}
