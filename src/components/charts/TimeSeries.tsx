// uPlot line chart over steps. Created on mount, fed new data at most 10 times a second,
// resized with its container, destroyed on cleanup. A replay cursor (a step) draws a line there and
// ghosts the future; moving it only redraws, the paths are not rebuilt.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { createEffect, onCleanup, onMount } from 'solid-js';

export interface SeriesSpec {
  label: string;
  color: string;
  /** Draw on a log10 y scale (all series of a chart share the scale). */
  dash?: number[];
  /** Mark every data point (for sparse series such as snapshots). */
  points?: boolean;
}

const AXIS = { stroke: '#94a3b8', grid: { stroke: 'rgba(148,163,184,0.12)' }, ticks: { stroke: 'rgba(148,163,184,0.2)' } };
const REDRAW_MS = 100;

/** Tick labels that stay distinct for tiny and huge values (uPlot's default rounds 3e-4 to 0). */
export function tickLabel(v: number | null): string {
  if (v === null) return '';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a < 1e-2 || a >= 1e5) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

export function TimeSeries(props: {
  title: string;
  series: SeriesSpec[];
  /** [x, y1, y2, …] aligned arrays; x = steps. */
  data: () => uPlot.AlignedData;
  logY?: boolean;
  height?: number;
  testid?: string;
  /** The replayed step: a line at it and the later steps ghosted; undefined when following live. */
  cursor?: () => number | undefined;
  /** Values at the cursor, shown beside the title. */
  cursorText?: () => string | undefined;
}) {
  let host: HTMLDivElement | undefined;
  let plot: uPlot | undefined;
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cursorAt: number | undefined;
  // Set by the first draw: uPlot sizes its axes then, and a redraw before that would throw.
  let drawn = false;

  // Drawn after the series: a translucent veil over steps after the cursor, then the cursor line.
  const drawCursor = (u: uPlot) => {
    drawn = true;
    if (cursorAt === undefined) return;
    const x = Math.round(u.valToPos(cursorAt, 'x', true));
    const { left, top, width, height } = u.bbox;
    const ctx = u.ctx;
    ctx.save();
    if (x < left + width) {
      ctx.fillStyle = 'rgba(15,23,42,0.72)';
      ctx.fillRect(Math.max(x, left), top, left + width - Math.max(x, left), height);
    }
    if (x >= left && x <= left + width) {
      ctx.strokeStyle = '#34d399';
      ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
    }
    ctx.restore();
  };

  const push = () => {
    timer = undefined;
    last = performance.now();
    plot?.setData(props.data());
  };

  onMount(() => {
    if (!host) return;
    const el = host;
    plot = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: props.height ?? 180,
        legend: { show: true, live: false },
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: false }, y: props.logY ? { distr: 3 } : {} },
        axes: [{ ...AXIS }, { ...AXIS, size: 60, values: (_u: uPlot, vals: (number | null)[]) => vals.map(tickLabel) }],
        series: [{ label: 'step' }, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, dash: s.dash, points: { show: s.points ?? false } }))],
        hooks: { draw: [drawCursor] },
      },
      props.data(),
      el,
    );
    const ro = new ResizeObserver(() => plot?.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 180 }));
    ro.observe(el);
    onCleanup(() => {
      ro.disconnect();
      if (timer) clearTimeout(timer);
      plot?.destroy();
    });
  });

  // Throttle redraws to ≤ 10 Hz however fast rows arrive.
  createEffect(() => {
    props.data();
    if (!plot || timer) return;
    const wait = Math.max(0, REDRAW_MS - (performance.now() - last));
    timer = setTimeout(push, wait);
  });

  createEffect(() => {
    cursorAt = props.cursor?.();
    if (drawn) plot?.redraw(false);
  });

  return (
    <div class="chart" data-testid={props.testid} data-cursor-step={props.cursor?.() ?? 'live'}>
      <div class="chart-title">
        {props.title}
        {props.cursorText?.() ? <span class="muted small mono"> · {props.cursorText?.()}</span> : null}
      </div>
      <div ref={(el) => (host = el)} />
    </div>
  );
}
