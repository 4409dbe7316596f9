// "Probe texts" panel of a run: each probe's NMSE over snapshots (uPlot, cursor at the shown step),
// the probes ranked from learned to struggling there, their tokens shaded by error with top latents on hover,
// and for synthetic runs the ground-truth recovery (MMCS) over steps.
import './probePanel.css';
import type uPlot from 'uplot';
import { createEffect, createMemo, createSignal, For, on, Show } from 'solid-js';
import { TimeSeries } from './charts/TimeSeries';
import { formatValue as fmt } from './runConfig';
import { visibleToken } from '../features/tokens';
import { getDb } from '../storage/db';
import { indexAtOrBefore } from '../replay/series';
import { rankProbes, readProbeHistory, readProbeSnapshot, type ProbeHistory, type ProbeSnapshot } from '../replay/probes';

const COLORS = ['#34d399', '#60a5fa', '#fbbf24', '#f472b6', '#a78bfa', '#f87171', '#2dd4bf', '#facc15'];

/** Short label of a probe: its tokens joined (synthetic feature labels with spaces). */
const labelOf = (tokens: string[]) => {
  const text = tokens.join(tokens.every((t) => /^f\d+(\+f\d+)*$/.test(t)) ? ' ' : '');
  return text.length > 28 ? `${text.slice(0, 27)}…` : text;
};

export function ProbePanel(props: { runId: string; tokens: string[][]; snapshotSteps: () => number[]; step: () => number; live: () => boolean }) {
  const [history, setHistory] = createSignal<ProbeHistory>({ steps: [], nmse: [], mmcs: [] });
  const db = getDb();

  // Incremental: read the snapshots after the newest held; a resume that dropped the tail re-reads all.
  const newest = createMemo(() => props.snapshotSteps().at(-1));
  let chain = Promise.resolve();
  let heldId = props.runId;
  createEffect(
    on([() => props.runId, newest], ([id, top]) => {
      chain = chain.then(async () => {
        const held = history();
        const last = held.steps.at(-1);
        if (id !== heldId || (last !== undefined && top !== undefined && top < last)) {
          heldId = id;
          setHistory(await readProbeHistory(db, id));
          return;
        }
        const more = await readProbeHistory(db, id, last ?? -Infinity);
        if (!more.steps.length && !more.error) return;
        setHistory({
          steps: [...held.steps, ...more.steps],
          nmse: props.tokens.map((_, p) => [...(held.nmse[p] ?? []), ...(more.nmse[p] ?? [])]),
          mmcs: [...held.mmcs, ...more.mmcs],
          ...(more.error ? { error: more.error } : {}),
        });
      });
    }),
  );

  /** Index of the probe snapshot at or before the shown step, or -1. */
  const col = createMemo(() => {
    const s = history().steps;
    return indexAtOrBefore(s, s.length, props.step());
  });
  const snapStep = () => (col() >= 0 ? history().steps[col()] : undefined);
  const [snapshot, setSnapshot] = createSignal<ProbeSnapshot>();
  const held = new Map<number, ProbeSnapshot>();
  createEffect(
    on(snapStep, (s) => {
      if (s === undefined) return setSnapshot(undefined);
      const hit = held.get(s);
      if (hit) return setSnapshot(hit);
      void readProbeSnapshot(db, props.runId, s).then((snap) => {
        if (!snap) return;
        held.set(s, snap);
        if (snapStep() === s) setSnapshot(snap);
      });
    }),
  );
  const ranked = createMemo(() => (col() >= 0 ? rankProbes(history(), col()) : []));
  const hasTruth = createMemo(() => history().mmcs.some((v) => Number.isFinite(v)));
  const cursor = () => (props.live() ? undefined : props.step());
  const nmseData = () => [history().steps, ...props.tokens.map((_, p) => history().nmse[p] ?? [])] as uPlot.AlignedData;

  return (
    <div class="card chart-card probe-panel" data-testid="probe-panel" data-step={snapStep()} data-probes={props.tokens.length}>
      <div class="chart-title">Probe texts{snapStep() !== undefined ? ` at step ${snapStep()}` : ''}</div>
      <Show when={history().error}>{(m) => <p class="error">{m()}</p>}</Show>
      <Show when={history().steps.length} fallback={<p class="muted">No probe snapshot recorded yet (one is stored with every histogram).</p>}>
        <TimeSeries
          title="NMSE per probe"
          logY
          testid="chart-probes"
          series={props.tokens.map((t, p) => ({ label: `${p + 1}: ${labelOf(t)}`, color: COLORS[p % COLORS.length], points: true }))}
          data={nmseData}
          cursor={cursor}
        />
        <Show when={hasTruth()}>
          <TimeSeries title="Ground-truth recovery (MMCS)" testid="chart-mmcs" series={[{ label: 'MMCS', color: '#a78bfa', points: true }]} data={() => [history().steps, history().mmcs] as uPlot.AlignedData} cursor={cursor} />
        </Show>
        <Show when={snapshot()?.step === snapStep() ? snapshot() : undefined}>
          {(snap) => (
            <div>
              <Show when={Number.isFinite(snap().mmcs)}>
                <p class="muted small" data-testid="probe-mmcs" data-mmcs={snap().mmcs}>
                  MMCS {fmt(snap().mmcs)} (mean over true features of the best decoder row's cosine)
                </p>
              </Show>
              <ol class="probe-list">
              <For each={ranked()}>
                {(p, rank) => {
                  const r = () => snap().probes[p];
                  return (
                    <li class="probe-row" data-testid="probe-row" data-probe={p} data-rank={rank()} data-nmse={r()?.nmse}>
                      <span class="mono small probe-nmse">
                        #{p + 1} NMSE {r() ? fmt(r().nmse) : '—'}
                      </span>
                      <span class="probe-tokens">
                        <For each={props.tokens[p] ?? []}>
                          {(tok, t) => {
                            const err = () => r()?.err[t()] ?? 0;
                            const top = () => {
                              const k = snap().k;
                              const out: string[] = [];
                              for (let i = 0; i < k; i++) {
                                const latent = r()?.latents[t() * k + i] ?? -1;
                                if (latent >= 0) out.push(`${latent} (${fmt(r().values[t() * k + i])})`);
                              }
                              return out.length ? out.join(', ') : 'none fired';
                            };
                            return (
                              <span
                                class="probe-tok"
                                data-testid="probe-token"
                                data-err={err()}
                                style={{ 'background-color': `rgba(248, 113, 113, ${Math.min(1, Math.max(0, err())).toFixed(3)})` }}
                                title={`${tok} · error ${fmt(err())} · top latents ${top()}`}
                              >
                                {visibleToken(tok)}
                              </span>
                            );
                          }}
                        </For>
                      </span>
                    </li>
                  );
                }}
              </For>
              </ol>
            </div>
          )}
        </Show>
        <p class="muted small">Ranked from learned (lowest NMSE) to struggling at the shown step; tokens shaded by their own error (full red: NMSE ≥ 1). Hover a token for its top latents.</p>
      </Show>
    </div>
  );
}
