// Steering a language model with SAE latents at the SAE's hook: additive (strength·W_dec[i] added
// to the stream), clamp (the latent's activation set through the SAE, its error term kept) and
// projection cap (the stream's projection on the latent's unit direction capped), as a surgery
// plan and the feeds of the hooked graph, with every input checked first. Additive latents apply
// first; clamps and caps are measured on the additively steered stream, all at once. Raw vectors (a
// latent's decoder direction at any hook, or the difference of two prompts' mean activations) add
// at their own hooks; they need no SAE of their own.
import type { EncoderRule } from '../features/encoder';
import type { SaeWeights } from '../sae/types';
import { LmError } from './errors';
import { tensorToFloat32 } from './extract';
import { clampFeeds, steeringVector, type FeatureClamp, type SteeringTerm } from './generate';
import type { LmSession, ort } from './session';
import type { ClampActivation, RankWeights, SurgeryPlan, SurgeryResult } from './surgery';

export const STEERING_METHODS = ['additive', 'clamp', 'cap'] as const;
export type SteeringMethod = (typeof STEERING_METHODS)[number];

export interface SteeredLatent {
  latent: number;
  /** additive: the multiple of W_dec[i] added; clamp: the activation set; cap: the largest projection allowed. */
  strength: number;
  method: SteeringMethod;
}

/**
 * A steering vector added (strength × vector) at a hook of its own:
 * - `latent`: the SAE's decoder row W_dec[latent], at any hook of the SAE's width;
 * - `diff`: mean over positions of the hook's value on prompt A minus the same on prompt B,
 *   scaled to unit length when `normalize` is set.
 */
export type RawVector =
  | { kind: 'latent'; latent: number; hook: string; strength: number }
  | { kind: 'diff'; promptA: string; promptB: string; hook: string; normalize: boolean; strength: number };

export const RAW_VECTOR_KINDS = ['latent', 'diff'] as const;

/** A raw vector made concrete: [dModel] at a hook, with its strength (before the multiplier). */
export interface ResolvedVector {
  hook: string;
  /** [dModel] */
  direction: Float32Array;
  strength: number;
}

/** The SAE a set-up steers with: its weights and the encoder rule its activations follow. */
export interface SteeringSae {
  weights: SaeWeights;
  rule: EncoderRule;
}

export interface SteeringSetup {
  /** Every latent's and vector's strength is multiplied by this. */
  multiplier: number;
  latents: SteeredLatent[];
  /** Raw vectors (absent in presets saved before they existed). */
  vectors?: RawVector[];
}

const bad = (message: string, details: Record<string, unknown>) => new LmError('BAD_INPUT', message, details);

/**
 * Checks a set-up against the SAE it steers with: latents in range, known methods, finite strengths
 * and multiplier, and a direction to cap along. Throws an LmError naming the latent and what to change.
 */
export function validateSteering(setup: SteeringSetup, sae: Pick<SaeWeights, 'dSae' | 'dIn' | 'W_dec'> | undefined): void {
  if (!Number.isFinite(setup.multiplier)) throw bad(`The strength multiplier must be a finite number; got ${setup.multiplier}.`, { field: 'multiplier' });
  (setup.vectors ?? []).forEach((v, row) => validateVector(v, row, sae));
  if (!sae) {
    if (setup.latents.length) throw bad('Latent rows need an SAE: make one active from the header\'s SAE menu or the Library, or steer with a difference vector.', { field: 'latents' });
    return;
  }
  setup.latents.forEach((l, row) => {
    const where = `Steering row ${row + 1}`;
    if (!Number.isInteger(l.latent) || l.latent < 0 || l.latent >= sae.dSae) {
      throw bad(`${where}: latent ${l.latent} is out of range; this SAE has latents 0–${sae.dSae - 1}.`, { field: 'latent', row, latent: l.latent, dSae: sae.dSae });
    }
    if (!(STEERING_METHODS as readonly string[]).includes(l.method)) {
      throw bad(`${where}: unknown method "${String(l.method)}"; use ${STEERING_METHODS.join(', ')}.`, { field: 'method', row });
    }
    if (!Number.isFinite(l.strength)) throw bad(`${where}: the strength must be a finite number; got ${l.strength}.`, { field: 'strength', row });
    if (l.method === 'cap' && directionNorm(sae, l.latent) === 0) {
      throw bad(`${where}: latent ${l.latent} has a zero decoder row, so it has no direction to cap along.`, { field: 'latent', row });
    }
  });
}

function validateVector(v: RawVector, row: number, sae: Pick<SaeWeights, 'dSae' | 'dIn' | 'W_dec'> | undefined): void {
  const where = `Vector ${row + 1}`;
  if (!Number.isFinite(v.strength)) throw bad(`${where}: the strength must be a finite number; got ${v.strength}.`, { field: 'strength', vector: row });
  if (v.kind === 'latent') {
    if (!sae) throw bad(`${where}: a latent's direction needs an SAE; make one active, or use a difference of two prompts.`, { field: 'latent', vector: row });
    if (!Number.isInteger(v.latent) || v.latent < 0 || v.latent >= sae.dSae) {
      throw bad(`${where}: latent ${v.latent} is out of range; this SAE has latents 0–${sae.dSae - 1}.`, { field: 'latent', vector: row, latent: v.latent, dSae: sae.dSae });
    }
  } else if (v.kind === 'diff') {
    if (!v.promptA.trim() || !v.promptB.trim()) throw bad(`${where}: a difference vector needs two prompts, A and B; write both.`, { field: 'prompt', vector: row });
  } else {
    throw bad(`${where}: unknown kind "${String((v as { kind: unknown }).kind)}"; use ${RAW_VECTOR_KINDS.join(' or ')}.`, { field: 'kind', vector: row });
  }
}

/** Checks that an SAE reads a hook of the model's width; throws naming both. */
export function checkSaeFitsModel(sae: Pick<SaeWeights, 'dIn'>, hook: string, dModel: number, model: string): void {
  if (sae.dIn !== dModel) {
    throw bad(`The SAE reads ${sae.dIn}-wide activations, but ${hook} of ${model} is ${dModel} wide; steer with an SAE trained on this model.`, {
      field: 'sae',
      dIn: sae.dIn,
      dModel,
    });
  }
}

function directionNorm(sae: Pick<SaeWeights, 'dIn' | 'W_dec'>, latent: number): number {
  let s = 0;
  for (let j = 0; j < sae.dIn; j++) s += sae.W_dec[latent * sae.dIn + j] ** 2;
  return Math.sqrt(s);
}

/** The clamp graph's activation for an SAE's encoder rule. */
const CLAMP_ACTIVATION: Record<EncoderRule['kind'], ClampActivation> = { relu: 'relu', threshold: 'jumprelu', topk: 'topk' };

/**
 * The hook edits a set-up needs: a steer input at the SAE's hook for additive latents and at every
 * raw vector's hook, clamp inputs at the SAE's hook for clamp and cap; a clamp reads the latent's
 * activation by the SAE's `rule` (a cap alone needs none).
 */
export function steeringPlan(hook: string | undefined, setup: SteeringSetup, rule?: EncoderRule): SurgeryPlan {
  const methods = new Set(setup.latents.map((l) => l.method));
  const steer = new Set((setup.vectors ?? []).map((v) => v.hook));
  if (hook && methods.has('additive')) steer.add(hook);
  const plan: SurgeryPlan = {
    steer: [...steer].sort(),
    clamp: hook && (methods.has('clamp') || methods.has('cap')) ? [hook] : [],
  };
  if (hook && methods.has('clamp') && rule && rule.kind !== 'relu') plan.clampActivation = CLAMP_ACTIVATION[rule.kind];
  return plan;
}

/**
 * The ranking a plan's 'topk' clamp builds into the graph: the TopK SAE's W_enc, b_enc and k.
 * Undefined for any other plan; a graph built with it belongs to that SAE.
 */
export function steeringRank(plan: SurgeryPlan, sae: SteeringSae | undefined): RankWeights | undefined {
  if (plan.clampActivation !== 'topk' || sae?.rule.kind !== 'topk') return undefined;
  return { encoder: sae.weights.W_enc, bEnc: sae.weights.b_enc, k: sae.rule.k };
}

/** A copy of W_dec[latent] [dIn], for a raw vector at a hook that must be dModel wide. */
export function latentDirection(sae: Pick<SaeWeights, 'dIn' | 'W_dec'>, latent: number, hook: string, dModel: number): Float32Array {
  if (sae.dIn !== dModel) {
    throw bad(`Latent ${latent}'s decoder direction is ${sae.dIn} wide, but ${hook} is ${dModel} wide; pick a hook of the SAE's model.`, { field: 'hook', dIn: sae.dIn, dModel });
  }
  return sae.W_dec.slice(latent * sae.dIn, (latent + 1) * sae.dIn);
}

/** Mean over positions of a hook's value [n, d] for a prompt, from a session that exposes the hook → [d]. */
export async function hookMean(session: LmSession, hook: string, tokens: number[]): Promise<Float32Array> {
  if (!tokens.length) throw bad(`The prompt for ${hook} has no tokens.`, { field: 'prompt', hook });
  const x = tensorToFloat32((await session.forward({ inputIds: tokens, batch: 1 }))[hook]);
  const d = x.length / tokens.length;
  const mean = new Float64Array(d);
  for (let i = 0; i < x.length; i++) mean[i % d] += x[i];
  return Float32Array.from(mean, (v) => v / tokens.length);
}

/** meanA − meanB [d], scaled to unit length when `normalize`; refuses a zero difference it cannot scale. */
export function differenceVector(meanA: Float32Array, meanB: Float32Array, normalize: boolean): Float32Array {
  const out = Float32Array.from(meanA, (a, j) => a - meanB[j]);
  if (!normalize) return out;
  const norm = Math.hypot(...out);
  if (norm === 0) throw bad('Prompts A and B give the same mean activation, so their difference has no direction to normalise; use two different prompts.', { field: 'prompt' });
  return out.map((v) => v / norm);
}

/** Σ multiplier·strength·W_dec[i] over the additive latents → [dIn]. */
export function additiveVector(setup: SteeringSetup, sae: SaeWeights): Float32Array {
  const terms: SteeringTerm[] = setup.latents
    .filter((l) => l.method === 'additive')
    .map((l) => ({ direction: sae.W_dec.subarray(l.latent * sae.dIn, (l.latent + 1) * sae.dIn), strength: setup.multiplier * l.strength }));
  return steeringVector(terms, sae.dIn);
}

/**
 * The clamp and cap latents as rows of the graph's clamp, x' = x + Σ_f (value_f − a_f)·dec_f with
 * pre_f = (x − b_dec)·enc_f + bEnc_f:
 * - clamp i to v: enc = W_enc[:, i], bEnc = b_enc[i], dec = W_dec[i], value = v, and a_f the SAE's
 *   own activation of latent i (ReLU; JumpReLU's pre·[pre > θ_i]; TopK's ReLU where i is among the
 *   token's k largest pre-activations, else 0), so x' = x + (v − a_i(x))·W_dec[i]: the SAE's
 *   reconstruction with a_i replaced, plus its unchanged error term x − SAE(x);
 * - cap along u = W_dec[i]/‖W_dec[i]‖ at c: enc = dec = u, bEnc = b_dec·u − c, value = 0, a_f = relu(pre_f)
 *   (threshold 0, never ranked), so x' = x − relu(x·u − c)·u: a projection above c is brought down
 *   to c, one below it is left alone.
 * Undefined when no latent is clamped or capped.
 */
export function clampRows(setup: SteeringSetup, { weights: sae, rule }: SteeringSae): FeatureClamp | undefined {
  const rows = setup.latents.filter((l) => l.method !== 'additive');
  if (!rows.length) return undefined;
  const d = sae.dIn;
  const k = rows.length;
  const c: FeatureClamp = {
    encoderRows: new Float32Array(k * d),
    decoderRows: new Float32Array(k * d),
    bEnc: new Float32Array(k),
    bDec: Float32Array.from(sae.b_dec),
    value: new Float32Array(k),
    threshold: new Float32Array(k),
  };
  if (rule.kind === 'topk') {
    c.rank = {
      latent: rows.map((l) => (l.method === 'clamp' ? l.latent : 0)),
      ranked: Float32Array.from(rows, (l) => (l.method === 'clamp' ? 1 : 0)),
    };
  }
  rows.forEach((l, f) => {
    const s = setup.multiplier * l.strength;
    const dec = sae.W_dec.subarray(l.latent * d, (l.latent + 1) * d);
    if (l.method === 'clamp') {
      for (let j = 0; j < d; j++) c.encoderRows[f * d + j] = sae.W_enc[j * sae.dSae + l.latent];
      c.decoderRows.set(dec, f * d);
      c.bEnc[f] = sae.b_enc[l.latent];
      c.value[f] = s;
      if (rule.kind === 'threshold') c.threshold![f] = Math.exp(rule.logThreshold[l.latent]);
    } else {
      const norm = directionNorm(sae, l.latent);
      let bDecU = 0;
      for (let j = 0; j < d; j++) {
        const u = dec[j] / norm;
        c.encoderRows[f * d + j] = u;
        c.decoderRows[f * d + j] = u;
        bDecU += sae.b_dec[j] * u;
      }
      c.bEnc[f] = bDecU - s;
      c.value[f] = 0;
    }
  });
  return c;
}

/**
 * Feeds for a graph hooked by `steeringPlan(hook, setup, sae.rule)` (with `steeringRank` of it): at each steered hook Σ multiplier·strength·vector
 * (the SAE's additive latents and the raw vectors there), and the clamp inputs. `vectors` are
 * `setup.vectors` resolved, in order; `dModel` is the stream's width.
 */
export function steeringFeeds(
  session: LmSession,
  surgery: SurgeryResult,
  hook: string | undefined,
  setup: SteeringSetup,
  steeringSae: SteeringSae | undefined,
  vectors: ResolvedVector[] = [],
  dModel = steeringSae?.weights.dIn ?? 0,
): Record<string, ort.Tensor> {
  const sae = steeringSae?.weights;
  validateSteering(setup, sae);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [at, input] of Object.entries(surgery.steerInputs)) {
    const terms = vectors.filter((v) => v.hook === at).map((v) => ({ direction: v.direction, strength: setup.multiplier * v.strength }));
    const sum = steeringVector(terms, dModel);
    if (sae && at === hook) {
      const latents = additiveVector(setup, sae);
      for (let j = 0; j < dModel; j++) sum[j] += latents[j];
    }
    feeds[input] = session.streamTensor(sum, [dModel]);
  }
  const rows = steeringSae && clampRows(setup, steeringSae);
  const names = hook && surgery.clampInputs[hook];
  if (rows && names) {
    const rule = steeringSae.rule.kind;
    const needs = { relu: true, threshold: Boolean(names.threshold), topk: Boolean(names.rank) }[rule];
    if (!needs && setup.latents.some((l) => l.method === 'clamp')) {
      throw new LmError('BAD_INPUT', `The steered graph was built for another SAE's activation, not this ${rule} one; build it with steeringPlan(hook, setup, rule).`, { rule });
    }
    Object.assign(feeds, clampFeeds(session, names, rows));
  }
  return feeds;
}
