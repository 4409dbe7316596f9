// Latent ablation: one or more SAE latents zeroed (or scaled) at their hook for a prompt, x' = x +
// Σ (scale − 1)·a_i(x)·W_dec[i] (the SAE's error term kept), spliced into the model; per position the
// change in log-probability of the actual next token and the tokens whose probability moved most.
import { encodeReference, type EncoderRule } from '../features/encoder';
import type { SaeWeights } from '../sae/types';
import { LmError } from './errors';
import { tensorToFloat32 } from './extract';
import { logSoftmax } from './sampling';
import type { LmSession } from './session';

export interface LatentAblation {
  latent: number;
  /** 0 zero-ablates; any other factor scales the latent's activation. */
  scale: number;
}

export interface AblationRow {
  position: number;
  /** The token that follows in the prompt, with its log-probability before and after. */
  next: number;
  logProb: number;
  ablatedLogProb: number;
  /** The tokens whose probability changed most, by |Δp|, largest first. */
  moved: { token: number; prob: number; ablatedProb: number }[];
}

const bad = (message: string, details: Record<string, unknown>) => new LmError('BAD_INPUT', message, details);

/** Latents in range, finite scales, at least one; throws naming the row. */
export function validateAblation(ablations: LatentAblation[], dSae: number): void {
  if (!ablations.length) throw bad('Add a latent to ablate.', { field: 'latents' });
  ablations.forEach((a, row) => {
    if (!Number.isInteger(a.latent) || a.latent < 0 || a.latent >= dSae) throw bad(`Ablation row ${row + 1}: latent ${a.latent} is out of range; this SAE has latents 0–${dSae - 1}.`, { field: 'latent', row });
    if (!Number.isFinite(a.scale)) throw bad(`Ablation row ${row + 1}: the scale must be a finite number; got ${a.scale}.`, { field: 'scale', row });
  });
}

/** x [n, dIn] with each ablated latent's decoder term scaled: x + Σ (scale − 1)·a_i(x)·W_dec[i]. */
export function ablatedHook(sae: SaeWeights, rule: EncoderRule, x: Float32Array, n: number, ablations: LatentAblation[]): Float32Array {
  const d = sae.dIn;
  const acts = encodeReference(sae, rule, x, n);
  const out = Float32Array.from(x);
  for (const a of ablations) {
    for (let i = 0; i < n; i++) {
      const delta = (a.scale - 1) * acts[i * sae.dSae + a.latent];
      if (delta === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += delta * sae.W_dec[a.latent * d + j];
    }
  }
  return out;
}

/** Per position with a next token: its log-probability clean and ablated, and the `top` tokens moved most. */
export function compareLogits(tokens: ArrayLike<number>, vocab: number, clean: Float32Array, ablated: Float32Array, top: number): AblationRow[] {
  const rows: AblationRow[] = [];
  for (let t = 0; t + 1 < tokens.length; t++) {
    const a = logSoftmax(clean, t * vocab, vocab);
    const b = logSoftmax(ablated, t * vocab, vocab);
    const moved = Array.from({ length: vocab }, (_, v) => ({ token: v, prob: Math.exp(a[v]), ablatedProb: Math.exp(b[v]) }))
      .sort((p, q) => Math.abs(q.ablatedProb - q.prob) - Math.abs(p.ablatedProb - p.prob) || p.token - q.token)
      .slice(0, top);
    const next = tokens[t + 1];
    rows.push({ position: t, next, logProb: a[next], ablatedLogProb: b[next], moved });
  }
  return rows;
}

/** The hook's value from `hooked` (which exposes it), the ablated value spliced into `spliced`, compared with the clean splice. */
export async function ablate(
  model: { hook: string; hooked: LmSession; spliced: LmSession; spliceInput: string },
  sae: SaeWeights,
  rule: EncoderRule,
  tokens: ArrayLike<number>,
  ablations: LatentAblation[],
  top = 5,
): Promise<AblationRow[]> {
  validateAblation(ablations, sae.dSae);
  const n = tokens.length;
  const x = Float32Array.from(tensorToFloat32((await model.hooked.forward({ inputIds: tokens, batch: 1 }))[model.hook]));
  const logits = async (value: Float32Array) => {
    const out = await model.spliced.forward({ inputIds: tokens, batch: 1, extra: { [model.spliceInput]: model.spliced.streamTensor(value, [1, n, sae.dIn]) } });
    return out.logits;
  };
  const clean = await logits(x);
  const ablated = await logits(ablatedHook(sae, rule, x, n, ablations));
  return compareLogits(tokens, clean.dims[2], Float32Array.from(tensorToFloat32(clean)), Float32Array.from(tensorToFloat32(ablated)), top);
}
