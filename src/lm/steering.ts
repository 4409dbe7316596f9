// Steering a language model with SAE latents at the SAE's hook: additive (strength·W_dec[i] added
// to the stream), clamp (the latent's activation set through the SAE, its error term kept) and
// projection cap (the stream's projection on the latent's unit direction capped), as a surgery
// plan and the feeds of the hooked graph, with every input checked first. Additive latents apply
// first; clamps and caps are measured on the additively steered stream, all at once.
import type { SaeWeights } from '../sae/types';
import { LmError } from './errors';
import { clampFeeds, steeringVector, type FeatureClamp, type SteeringTerm } from './generate';
import type { LmSession, ort } from './session';
import type { SurgeryPlan, SurgeryResult } from './surgery';

export const STEERING_METHODS = ['additive', 'clamp', 'cap'] as const;
export type SteeringMethod = (typeof STEERING_METHODS)[number];

export interface SteeredLatent {
  latent: number;
  /** additive: the multiple of W_dec[i] added; clamp: the activation set; cap: the largest projection allowed. */
  strength: number;
  method: SteeringMethod;
}

export interface SteeringSetup {
  /** Every latent's strength is multiplied by this. */
  multiplier: number;
  latents: SteeredLatent[];
}

const bad = (message: string, details: Record<string, unknown>) => new LmError('BAD_INPUT', message, details);

/**
 * Checks a set-up against the SAE it steers with: latents in range, known methods, finite strengths
 * and multiplier, and a direction to cap along. Throws an LmError naming the latent and what to change.
 */
export function validateSteering(setup: SteeringSetup, sae: Pick<SaeWeights, 'dSae' | 'dIn' | 'W_dec'>): void {
  if (!Number.isFinite(setup.multiplier)) throw bad(`The strength multiplier must be a finite number; got ${setup.multiplier}.`, { field: 'multiplier' });
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

/** The hook edits a set-up needs: a steer input for additive latents, clamp inputs for clamp and cap. */
export function steeringPlan(hook: string, setup: SteeringSetup): SurgeryPlan {
  const methods = new Set(setup.latents.map((l) => l.method));
  return {
    steer: methods.has('additive') ? [hook] : [],
    clamp: methods.has('clamp') || methods.has('cap') ? [hook] : [],
  };
}

/** Σ multiplier·strength·W_dec[i] over the additive latents → [dIn]. */
export function additiveVector(setup: SteeringSetup, sae: SaeWeights): Float32Array {
  const terms: SteeringTerm[] = setup.latents
    .filter((l) => l.method === 'additive')
    .map((l) => ({ direction: sae.W_dec.subarray(l.latent * sae.dIn, (l.latent + 1) * sae.dIn), strength: setup.multiplier * l.strength }));
  return steeringVector(terms, sae.dIn);
}

/**
 * The clamp and cap latents as rows of the graph's clamp, x' = x + Σ_f (value_f − relu((x − b_dec)·enc_f + bEnc_f))·dec_f:
 * - clamp i to v: enc = W_enc[:, i], bEnc = b_enc[i], dec = W_dec[i], value = v, so x' = x + (v − a_i(x))·W_dec[i]:
 *   the SAE's reconstruction with a_i replaced, plus its unchanged error term x − SAE(x);
 * - cap along u = W_dec[i]/‖W_dec[i]‖ at c: enc = dec = u, bEnc = b_dec·u − c, value = 0, so
 *   x' = x − relu(x·u − c)·u: a projection above c is brought down to c, one below it is left alone.
 * Undefined when no latent is clamped or capped.
 */
export function clampRows(setup: SteeringSetup, sae: SaeWeights): FeatureClamp | undefined {
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
  };
  rows.forEach((l, f) => {
    const s = setup.multiplier * l.strength;
    const dec = sae.W_dec.subarray(l.latent * d, (l.latent + 1) * d);
    if (l.method === 'clamp') {
      for (let j = 0; j < d; j++) c.encoderRows[f * d + j] = sae.W_enc[j * sae.dSae + l.latent];
      c.decoderRows.set(dec, f * d);
      c.bEnc[f] = sae.b_enc[l.latent];
      c.value[f] = s;
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

/** Feeds for a graph hooked by `steeringPlan(hook, setup)`: the steer vector and the clamp inputs. */
export function steeringFeeds(session: LmSession, surgery: SurgeryResult, hook: string, setup: SteeringSetup, sae: SaeWeights): Record<string, ort.Tensor> {
  validateSteering(setup, sae);
  const feeds: Record<string, ort.Tensor> = {};
  const steerInput = surgery.steerInputs[hook];
  if (steerInput) feeds[steerInput] = session.streamTensor(additiveVector(setup, sae), [sae.dIn]);
  const rows = clampRows(setup, sae);
  const names = surgery.clampInputs[hook];
  if (rows && names) Object.assign(feeds, clampFeeds(session, names, rows));
  return feeds;
}
