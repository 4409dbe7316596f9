// TransformerLens hook-point names (`blocks.L.hook_resid_post`, …): parsing, validation, listing.
import { LmError } from './errors';

/** In residual-stream order within a block. */
export const HOOK_KINDS = ['hook_resid_pre', 'hook_attn_out', 'hook_resid_mid', 'hook_mlp_out', 'hook_resid_post'] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

export interface HookPoint {
  name: string;
  layer: number;
  kind: HookKind;
}

export function hookName(layer: number, kind: HookKind): string {
  return `blocks.${layer}.${kind}`;
}

/** Parses and validates a hook name against the model depth. */
export function parseHook(name: string, nLayers: number): HookPoint {
  const m = /^blocks\.(\d+)\.(hook_[a-z_]+)$/.exec(name);
  if (!m || !(HOOK_KINDS as readonly string[]).includes(m[2])) {
    throw new LmError('UNKNOWN_HOOK', `Unknown hook point "${name}"; expected blocks.<layer>.<${HOOK_KINDS.join('|')}>`, {
      hook: name,
      kinds: [...HOOK_KINDS],
    });
  }
  const layer = Number(m[1]);
  if (layer >= nLayers) {
    throw new LmError('LAYER_OUT_OF_RANGE', `Layer ${layer} is out of range: the model has ${nLayers} layers (0–${nLayers - 1})`, {
      hook: name,
      layer,
      nLayers,
    });
  }
  return { name, layer, kind: m[2] as HookKind };
}

export function listHooks(nLayers: number): string[] {
  const out: string[] = [];
  for (let l = 0; l < nLayers; l++) for (const k of HOOK_KINDS) out.push(hookName(l, k));
  return out;
}
