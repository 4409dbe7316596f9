// A bar histogram (bin edges + counts) drawn with uPlot's bars path.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { createEffect, onCleanup, onMount } from 'solid-js';
import type { HistogramData } from '../../storage/db';
import { tickLabels, tickSpace } from './ticks';

const AXIS = { stroke: '#94a3b8', grid: { stroke: 'rgba(148,163,184,0.12)' }, ticks: { stroke: 'rgba(148,163,184,0.2)' } };

function aligned(h: HistogramData | undefined): uPlot.AlignedData {
  if (!h) return [[], []];
  const centers = h.counts.map((_, i) => (h.edges[i] + h.edges[i + 1]) / 2);
  return [centers, h.counts];
}

export function Histogram(props: {
  title: string;
  data: () => HistogramData | undefined;
  xLabel: string;
  color?: string;
  testid?: string;
  /** Said while there is no data; by default that it appears with the first histogram step. */
  empty?: string;
  /** Plot height in pixels (default 160). */
  height?: number;
}) {
  let host: HTMLDivElement | undefined;
  let plot: uPlot | undefined;
  onMount(() => {
    if (!host) return;
    const el = host;
    plot = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: props.height ?? 160,
        legend: { show: false },
        scales: { x: { time: false } },
        axes: [
          {
            ...AXIS,
            label: props.xLabel,
            labelSize: 18,
            space: (_u: uPlot, _i: number, min: number, max: number) => tickSpace(min, max),
            values: (_u: uPlot, vals: (number | null)[]) => tickLabels(vals),
          },
          { ...AXIS, size: 48 },
        ],
        series: [{}, { stroke: props.color ?? '#34d399', fill: 'rgba(52,211,153,0.35)', paths: uPlot.paths.bars!({ size: [0.9, 40] }), points: { show: false } }],
      },
      aligned(props.data()),
      el,
    );
    const ro = new ResizeObserver(() => plot?.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 160 }));
    ro.observe(el);
    onCleanup(() => {
      ro.disconnect();
      plot?.destroy();
    });
  });
  createEffect(() => plot?.setData(aligned(props.data())));
  return (
    <div class="chart" data-testid={props.testid}>
      <div class="chart-title">
        {props.title}
        {props.data()?.zero ? <span class="muted small"> · {props.data()?.zero} never fired</span> : null}
        {props.data() ? null : <span class="muted small"> · {props.empty ?? 'appears with the first histogram step'}</span>}
      </div>
      <div ref={(el) => (host = el)} />
    </div>
  );
}
