// The feature map: every latent at its UMAP position as one deck.gl scatterplot with binary
// attributes (fluid at 100k points), coloured by log density; matches of the list's search are
// drawn large and amber, the rest dimmed; hover shows index and label, click opens the latent.
import { Deck, OrthographicView, ScatterplotLayer, type PickingInfo } from 'deck.gl';
import { createEffect, onCleanup, onMount } from 'solid-js';

export interface MapPoint {
  index: number;
  x: number;
  y: number;
  density: number;
  label: string;
}

/** Emerald ramp by log10 density over [lo, hi]; dead latents grey. */
function colour(density: number, lo: number, hi: number): [number, number, number] {
  if (density <= 0) return [100, 116, 139];
  const t = hi > lo ? Math.min(1, Math.max(0, (Math.log10(density) - lo) / (hi - lo))) : 1;
  return [Math.round(30 + 200 * t), Math.round(64 + 170 * t), Math.round(120 + 40 * t)];
}

export function FeatureMap(props: {
  points: () => MapPoint[];
  highlight: () => Set<number> | undefined;
  onOpen: (index: number) => void;
  /** Multiplies every point's radius (1: 3 px, 5 px when matched), e.g. for a display read from afar. */
  radiusScale?: number;
}) {
  let host: HTMLDivElement | undefined;
  let deck: Deck<OrthographicView> | undefined;

  function layer() {
    const pts = props.points();
    const marked = props.highlight();
    const logs = pts.filter((p) => p.density > 0).map((p) => Math.log10(p.density));
    const lo = logs.length ? logs.reduce((a, b) => Math.min(a, b)) : 0;
    const hi = logs.length ? logs.reduce((a, b) => Math.max(a, b)) : 0;
    const positions = new Float32Array(pts.length * 2);
    const colours = new Uint8Array(pts.length * 4);
    const radii = new Float32Array(pts.length);
    pts.forEach((p, i) => {
      positions.set([p.x, p.y], 2 * i);
      const on = !marked || marked.has(p.index);
      colours.set(marked && on ? [251, 191, 36, 255] : [...colour(p.density, lo, hi), on ? 220 : 60], 4 * i);
      radii[i] = marked && on ? 5 : 3;
    });
    return new ScatterplotLayer({
      id: 'latents',
      data: { length: pts.length, attributes: { getPosition: { value: positions, size: 2 }, getFillColor: { value: colours, size: 4 }, getRadius: { value: radii, size: 1 } } },
      radiusUnits: 'pixels',
      radiusScale: props.radiusScale ?? 1,
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 255],
    });
  }

  /** The view that fits every point. */
  function fit(width: number, height: number) {
    const pts = props.points();
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const p of pts) [x0, x1, y0, y1] = [Math.min(x0, p.x), Math.max(x1, p.x), Math.min(y0, p.y), Math.max(y1, p.y)];
    const zoom = Math.log2(0.9 * Math.min(width / Math.max(x1 - x0, 1e-6), height / Math.max(y1 - y0, 1e-6)));
    return { target: [(x0 + x1) / 2, (y0 + y1) / 2, 0] as [number, number, number], zoom };
  }

  onMount(() => {
    if (!host) return;
    const el = host;
    deck = new Deck<OrthographicView>({
      parent: el,
      width: '100%',
      height: '100%',
      views: new OrthographicView({ id: 'map', flipY: false }),
      initialViewState: fit(el.clientWidth || 600, el.clientHeight || 420),
      controller: true,
      layers: [layer()],
      getTooltip: (info: PickingInfo) => {
        const p = info.index >= 0 ? props.points()[info.index] : undefined;
        return p ? { text: `#${p.index} ${p.label}` } : null;
      },
      onClick: (info: PickingInfo) => {
        const p = info.index >= 0 ? props.points()[info.index] : undefined;
        if (p) props.onOpen(p.index);
      },
    });
    onCleanup(() => deck?.finalize());
  });
  createEffect(() => deck?.setProps({ layers: [layer()] }));
  return <div class="feature-map" data-testid="feature-map" ref={(el) => (host = el)} />;
}
