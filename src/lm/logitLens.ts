// Logit lens: the model's own final norm and unembedding applied to the residual stream before every
// block and after the last, giving each layer's next-token prediction at every position. The residuals
// come from a graph exposing them; the lens is the graph with the last block's hook_resid_post spliced,
// one batch row per layer (the final norm and unembedding act position by position).
import { hookName } from './hooks';
import { tensorToFloat32 } from './extract';
import type { LmSession } from './session';
import { tokenStep } from './sideBySide';
import type { SurgeryPlan } from './surgery';

/** Tokens listed per cell. */
export const LENS_TOP = 10;

/** The residual hooks read: hook_resid_pre of every block, then the last block's hook_resid_post. */
export function lensHooks(nLayers: number): string[] {
  return [...Array.from({ length: nLayers }, (_, l) => hookName(l, 'hook_resid_pre')), hookName(nLayers - 1, 'hook_resid_post')];
}

/** The two graphs: one exposing every lens hook, one splicing the final residual. */
export function lensPlans(nLayers: number): { residuals: SurgeryPlan; lens: SurgeryPlan } {
  const hooks = lensHooks(nLayers);
  return { residuals: { expose: hooks, pruneToHooks: true }, lens: { splice: [hooks[hooks.length - 1]] } };
}

export interface LensGrid {
  /** Row labels: the hook each row reads. */
  hooks: string[];
  seq: number;
  /** [rows, seq, LENS_TOP]: token ids, likeliest first, and their probabilities. */
  top: Int32Array;
  prob: Float32Array;
}

/** The lens over one prompt: `residuals` exposes `lensHooks`, `lens` splices the last of them at `spliceInput`. */
export async function logitLens(residuals: LmSession, lens: LmSession, spliceInput: string, nLayers: number, tokens: ArrayLike<number>): Promise<LensGrid> {
  const hooks = lensHooks(nLayers);
  const seq = tokens.length;
  const out = await residuals.forward({ inputIds: tokens, batch: 1 });
  const rows = hooks.map((h) => tensorToFloat32(out[h]));
  const d = rows[0].length / seq;
  const stacked = new Float32Array(hooks.length * seq * d);
  rows.forEach((r, i) => stacked.set(r, i * seq * d));
  const ids = new Array<number>(hooks.length * seq);
  for (let i = 0; i < hooks.length; i++) for (let t = 0; t < seq; t++) ids[i * seq + t] = tokens[t];
  const result = await lens.forward({ inputIds: ids, batch: hooks.length, extra: { [spliceInput]: lens.streamTensor(stacked, [hooks.length, seq, d]) } });
  const logits = tensorToFloat32(result.logits);
  const vocab = result.logits.dims[2];
  const top = new Int32Array(hooks.length * seq * LENS_TOP);
  const prob = new Float32Array(hooks.length * seq * LENS_TOP);
  const k = Math.min(LENS_TOP, vocab);
  for (let cell = 0; cell < hooks.length * seq; cell++) {
    const cellTop = tokenStep(logits.subarray(cell * vocab, (cell + 1) * vocab), 0, k).top;
    top.set(cellTop.map((c) => c.token), cell * LENS_TOP);
    prob.set(cellTop.map((c) => c.prob), cell * LENS_TOP);
  }
  return { hooks, seq, top, prob };
}
