// Latent timeline panel: every latent (rows, sorted by birth) × every snapshot (columns), coloured by
// log10 density, dead windows dark, the shown step marked; clicking a row shows that latent's curve.
// The heat map is painted when snapshots arrive (appended, not re-read); moving the step only moves
// the marker, an element over the canvas.
import { createEffect, createMemo, createSignal, on, onCleanup, Show } from 'solid-js';
import { getDb } from '../storage/db';
import { byBirth, LatentTimelineSeries, type LatentTimeline as Timeline } from '../replay/latents';
import { indexAtOrBefore } from '../replay/series';
import './latentTimeline.css';

const W = 640;
const MAX_ROWS = 320;
const LO = -6;

/** Density colour: dark for a window without firing, blue (rare) to yellow (dense) on log10 ∈ [-6, 0]. */
function rgb(v: number): [number, number, number] {
  if (!Number.isFinite(v)) return [24, 24, 32];
  const t = Math.max(0, Math.min(1, (v - LO) / -LO));
  return [Math.round(40 + 210 * t), Math.round(70 + 150 * t), Math.round(200 - 150 * t)];
}

export function LatentTimeline(props: { runId: string; snapshotSteps: () => number[]; step: () => number }) {
  const [timeline, setTimeline] = createSignal<Timeline & { error?: string }>();
  const [picked, setPicked] = createSignal<number>();
  const [canvas, setCanvas] = createSignal<HTMLCanvasElement>();
  const order = createMemo(() => (timeline() ? byBirth(timeline()!) : []));
  const rows = () => Math.min(order().length, MAX_ROWS);
  /** Index of the snapshot at or before the shown step, or -1. */
  const col = createMemo(() => {
    const s = timeline()?.steps ?? [];
    return indexAtOrBefore(s, s.length, props.step());
  });

  // Synced when the newest snapshot changes (a new one appended, or a resume that dropped the tail).
  const newest = createMemo(() => props.snapshotSteps().at(-1));
  createEffect(
    on(
      () => props.runId,
      (id) => {
        const held = new LatentTimelineSeries(id);
        let chain = Promise.resolve();
        let current = true;
        setTimeline(undefined);
        createEffect(
          on(newest, () => {
            chain = chain.then(async () => {
              const changed = await held.sync(getDb());
              if (current && (changed || !timeline())) setTimeline(held.view());
            });
          }),
        );
        onCleanup(() => (current = false));
      },
    ),
  );

  const draw = () => {
    const t = timeline();
    const el = canvas();
    const ctx = el?.getContext('2d');
    if (!el || !t || !ctx || !t.steps.length || !rows()) return;
    const h = rows();
    el.width = W;
    el.height = h;
    const img = ctx.createImageData(W, h);
    const ord = order();
    const per = ord.length / h;
    for (let y = 0; y < h; y++) {
      const j0 = Math.floor(y * per);
      const j1 = Math.max(j0 + 1, Math.floor((y + 1) * per));
      for (let x = 0; x < W; x++) {
        const i = Math.min(t.steps.length - 1, Math.floor((x * t.steps.length) / W));
        let v = -Infinity;
        for (let k = j0; k < j1; k++) v = Math.max(v, t.logDensity[i * t.dSae + ord[k]]);
        const [r, g, b] = rgb(v);
        const o = (y * W + x) * 4;
        img.data[o] = r;
        img.data[o + 1] = g;
        img.data[o + 2] = b;
        img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  };
  createEffect(on([timeline, canvas], draw));
  /** Horizontal position of the marker over the canvas, in percent of its width. */
  const markerAt = () => ((col() + 0.5) * 100) / (timeline()?.steps.length ?? 1);

  const pick = (e: MouseEvent) => {
    const el = canvas();
    if (!el || !rows()) return;
    const r = el.getBoundingClientRect();
    const y = Math.floor(((e.clientY - r.top) / r.height) * rows());
    setPicked(order()[Math.floor((y * order().length) / rows())]);
  };
  const alive = createMemo(() => {
    const t = timeline();
    if (!t || col() < 0) return undefined;
    let n = 0;
    for (let j = 0; j < t.dSae; j++) if (Number.isFinite(t.logDensity[col() * t.dSae + j])) n++;
    return n;
  });
  const curve = createMemo(() => {
    const t = timeline();
    const j = picked();
    if (!t || j === undefined) return undefined;
    const ys = t.steps.map((_, i) => t.logDensity[i * t.dSae + j]);
    const pts = ys.map((v, i) => `${((i + 0.5) * W) / t.steps.length},${Number.isFinite(v) ? (-v / -LO) * 80 : 80}`).join(' ');
    const dead = t.steps.filter((_, i) => !Number.isFinite(ys[i]) && i > t.birth[j]);
    return { j, pts, born: t.steps[t.birth[j]], at: col() >= 0 ? ys[col()] : undefined, deadWindows: dead.length };
  });

  return (
    <div class="card chart-card" data-testid="latent-timeline" data-step={col() >= 0 ? timeline()!.steps[col()] : undefined} data-latents={timeline()?.dSae} data-alive={alive()}>
      <div class="chart-title">
        Latent timeline (log10 density, {timeline()?.dSae ?? 0} latents by birth{col() >= 0 ? `, step ${timeline()!.steps[col()]} marked` : ''})
      </div>
      <Show when={timeline()?.error}>{(m) => <p class="error">{m()}</p>}</Show>
      <Show when={timeline()?.steps.length} fallback={<p class="muted">No latent snapshots recorded yet (one is stored with every histogram).</p>}>
        <div class="latent-heat">
          <canvas ref={setCanvas} class="latent-canvas" data-testid="latent-canvas" style={{ '--latent-rows': `${Math.max(rows(), 60)}px` }} onClick={pick} />
          <Show when={col() >= 0}>
            <div class="latent-marker" data-testid="latent-marker" style={{ left: `${markerAt()}%` }} />
          </Show>
        </div>
        <p class="muted">
          {alive()} of {timeline()?.dSae} latents fired in the window before the marked step. Click a row for its density curve.
        </p>
      </Show>
      <Show when={curve()}>
        {(c) => (
          <div data-testid="latent-curve" data-latent={c().j}>
            <p class="mono">
              latent {c().j}: {c().born === undefined ? 'never fired' : `born at step ${c().born}`}; {c().deadWindows} dead windows since;{' '}
              {c().at === undefined ? '' : Number.isFinite(c().at!) ? `log10 density ${c().at!.toFixed(2)} at the marked step` : 'dead at the marked step'}
            </p>
            <svg viewBox={`0 0 ${W} 80`} width="100%" height="80" preserveAspectRatio="none">
              <polyline points={c().pts} fill="none" stroke="#34d399" stroke-width="1.5" />
              <Show when={col() >= 0}>
                <line x1={((col() + 0.5) * W) / timeline()!.steps.length} x2={((col() + 0.5) * W) / timeline()!.steps.length} y1="0" y2="80" stroke="#f472b6" />
              </Show>
            </svg>
          </div>
        )}
      </Show>
    </div>
  );
}
