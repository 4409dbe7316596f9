// One example's token window, every token shaded by the latent's activation (one hue, opacity ∝
// activation / max); hover shows the value and token id. Tokens are rendered as text, never HTML.
import { For } from 'solid-js';
import { visibleToken } from '../../features/tokens';
import type { FeatureExample } from '../../features/types';
import { fmtSig } from './format';

export function TokenWindow(props: { example: FeatureExample; max: number; vocab: string[] }) {
  const alpha = (v: number) => (props.max > 0 ? Math.min(1, Math.max(0, v / props.max)) : 0);
  return (
    <div class="token-window" data-testid="context">
      <span class="token-window-value mono" title="Activation at the centre token">
        {fmtSig(props.example.value)}
      </span>
      <span class="token-window-text">
        <For each={props.example.tokens}>
          {(id, i) => {
            const v = () => props.example.acts[i()] ?? 0;
            const centre = () => props.example.start + i() === props.example.position;
            return (
              <span
                class="tok"
                classList={{ 'tok-centre': centre(), 'tok-on': v() > 0 }}
                data-testid="token"
                data-act={v()}
                style={{ 'background-color': `rgba(52, 211, 153, ${alpha(v()).toFixed(3)})` }}
                title={`activation ${fmtSig(v())} · token ${id}`}
              >
                {visibleToken(props.vocab[id] ?? `<${id}>`)}
              </span>
            );
          }}
        </For>
      </span>
    </div>
  );
}
