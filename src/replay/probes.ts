// Probe-text evolution: a run's probe activations (computed once, the LM is frozen) passed through the
// SAE at every histogram snapshot; per token its reconstruction error and top latents, one probeChunks row per snapshot.
import type { Encoder } from '../features/encoder';
import { createSyntheticSource, recovery, Xoshiro128, type SyntheticOptions } from '../sae/synthetic';
import type { SaeWeights } from '../sae/types';
import { chunkRecord, sha256Hex } from '../storage/chunks';
import type { ChunkRecord, LanternDb } from '../storage/db';
import { IntegrityError } from '../storage/errors';

/** What a run probes (its config's `probes`): typed texts (none typed: samples of its dataset), or synthetic ground-truth samples. */
export type ProbeSpec = { texts: string[] } | { synthetic: number };

/** Top latents kept per token. */
export const PROBE_TOP_K = 3;
/** Tokens kept per probe text (the first ones): probes stay short so each snapshot stays cheap. */
export const PROBE_MAX_TOKENS = 32;
/** Tokens (samples) per synthetic probe. */
const SYNTHETIC_PROBE_TOKENS = 8;

/** The probes' inputs: display tokens and [nTok, dIn] activations per probe, and the true directions of a synthetic source. */
export interface ProbeSet {
  dIn: number;
  tokens: string[][];
  x: Float32Array[];
  truth?: { directions: Float32Array; nFeatures: number };
}

/** One probe at one snapshot. */
export interface ProbeResult {
  /** Σ‖x̂ − x‖² / Σ‖x‖² over the probe's tokens. */
  nmse: number;
  /** [nTok] ‖x̂ − x‖² / ‖x‖² per token. */
  err: Float32Array;
  /** [nTok, k] the token's k largest activations (latent −1 / value 0 where fewer fired), largest first. */
  latents: Int32Array;
  values: Float32Array;
}

export interface ProbeSnapshot {
  step: number;
  k: number;
  /** Ground-truth recovery (MMCS of decoder rows vs true directions); NaN when the source has none. */
  mmcs: number;
  probes: ProbeResult[];
}

/**
 * The SAE applied to every probe: all probe tokens through `encoder` in one batch (the GPU encoder in
 * training, the CPU reference in tests), then on the CPU from its sparse rows x̂ = b_dec + Σ a_j·W_dec[j],
 * the error per token and per probe, and each token's top-k latents. Cost: one encode of a few hundred
 * tokens plus nnz·dIn multiply-adds.
 */
export async function computeProbeSnapshot(step: number, weights: SaeWeights, encoder: Encoder, set: ProbeSet, topK = PROBE_TOP_K): Promise<ProbeSnapshot> {
  const { dIn } = weights;
  const total = set.x.reduce((a, x) => a + x.length / dIn, 0);
  const all = new Float32Array(total * dIn);
  let at = 0;
  for (const x of set.x) {
    all.set(x, at);
    at += x.length;
  }
  const acts = await encoder.encode(all, total);
  const xHat = new Float64Array(dIn);
  let row = 0;
  const probes = set.x.map((x): ProbeResult => {
    const nTok = x.length / dIn;
    const err = new Float32Array(nTok);
    const latents = new Int32Array(nTok * topK).fill(-1);
    const values = new Float32Array(nTok * topK);
    let errSum = 0;
    let normSum = 0;
    for (let t = 0; t < nTok; t++, row++) {
      // 1. Reconstruction from the token's nonzeros, and its top-k by insertion (ties: lower latent first).
      for (let i = 0; i < dIn; i++) xHat[i] = weights.b_dec[i];
      const top = latents.subarray(t * topK, (t + 1) * topK);
      const val = values.subarray(t * topK, (t + 1) * topK);
      for (let e = acts.rowPtr[row]; e < acts.rowPtr[row + 1]; e++) {
        const j = acts.latent[e];
        const a = acts.value[e];
        for (let i = 0; i < dIn; i++) xHat[i] += a * weights.W_dec[j * dIn + i];
        let p = topK;
        while (p > 0 && (top[p - 1] === -1 || a > val[p - 1] || (a === val[p - 1] && j < top[p - 1]))) p--;
        if (p < topK) {
          top.copyWithin(p + 1, p, topK - 1);
          val.copyWithin(p + 1, p, topK - 1);
          top[p] = j;
          val[p] = a;
        }
      }
      // 2. Squared error and squared norm of the token.
      let e2 = 0;
      let n2 = 0;
      for (let i = 0; i < dIn; i++) {
        const xi = x[t * dIn + i];
        e2 += (xHat[i] - xi) ** 2;
        n2 += xi * xi;
      }
      err[t] = n2 > 0 ? e2 / n2 : 0;
      errSum += e2;
      normSum += n2;
    }
    return { nmse: Math.fround(normSum > 0 ? errSum / normSum : 0), err, latents, values };
  });
  const mmcs = set.truth ? recovery(weights.W_dec, weights.dSae, set.truth.directions, set.truth.nFeatures, dIn).mmcs : NaN;
  return { step, k: topK, mmcs: Math.fround(mmcs), probes };
}

/**
 * Synthetic probes with known ground truth, from the run's own true directions: probe 0 holds single
 * frequent features, probe 1 pairs of mid-frequency ones, probe 2 single rare ones (the source's
 * power law makes low indices frequent). Each token is labelled by its features, e.g. `f3+f17`.
 */
export function syntheticProbes(opts: SyntheticOptions, count: number): ProbeSet {
  const { dIn, nFeatures } = opts;
  const directions = createSyntheticSource(opts).trueDirections;
  const rng = new Xoshiro128(opts.seed ^ 0x5eed);
  const plans = [
    { lo: 0, hi: Math.max(1, Math.ceil(nFeatures / 16)), per: 1 },
    { lo: Math.floor(nFeatures / 4), hi: Math.max(Math.floor(nFeatures / 4) + 1, Math.floor(nFeatures / 2)), per: Math.min(2, nFeatures) },
    { lo: Math.floor((3 * nFeatures) / 4), hi: nFeatures, per: 1 },
  ];
  const tokens: string[][] = [];
  const x: Float32Array[] = [];
  for (let p = 0; p < count; p++) {
    const plan = plans[p % plans.length];
    const rows = new Float32Array(SYNTHETIC_PROBE_TOKENS * dIn);
    const labels: string[] = [];
    for (let t = 0; t < SYNTHETIC_PROBE_TOKENS; t++) {
      const feats = new Set<number>();
      while (feats.size < plan.per) feats.add(Math.min(nFeatures - 1, plan.lo + (rng.nextU32() % Math.max(1, plan.hi - plan.lo))));
      const sorted = [...feats].sort((a, b) => a - b);
      for (const f of sorted) {
        const m = 0.5 + 0.5 * rng.uniform();
        for (let i = 0; i < dIn; i++) rows[t * dIn + i] += m * directions[f * dIn + i];
      }
      labels.push(sorted.map((f) => `f${f}`).join('+'));
    }
    tokens.push(labels);
    x.push(rows);
  }
  return { dIn, tokens, x, truth: { directions, nFeatures } };
}

// ─── Storage: one probeChunks row per snapshot (ownerId = runId, index = step) ──────────────────
// Bytes, 4-byte words: [nProbes, k, mmcs f32] then per probe [nTok, nmse f32, err f32 ×nTok,
// latent i32 ×nTok·k, value f32 ×nTok·k]. Token texts live once in the run record (probeTokens).

export function probeChunk(runId: string, snap: ProbeSnapshot): Promise<ChunkRecord> {
  const words = 3 + snap.probes.reduce((a, p) => a + 2 + p.err.length * (1 + 2 * snap.k), 0);
  const buf = new ArrayBuffer(words * 4);
  const u = new Int32Array(buf);
  const f = new Float32Array(buf);
  u[0] = snap.probes.length;
  u[1] = snap.k;
  f[2] = snap.mmcs;
  let o = 3;
  for (const p of snap.probes) {
    u[o] = p.err.length;
    f[o + 1] = p.nmse;
    o += 2;
    f.set(p.err, o);
    o += p.err.length;
    u.set(p.latents, o);
    o += p.latents.length;
    f.set(p.values, o);
    o += p.values.length;
  }
  return chunkRecord(runId, snap.step, buf);
}

/** Decodes probe chunk bytes; undefined when they are truncated or inconsistent. */
export function decodeProbeBytes(step: number, bytes: ArrayBuffer): ProbeSnapshot | undefined {
  if (bytes.byteLength % 4 !== 0 || bytes.byteLength < 12) return undefined;
  const u = new Int32Array(bytes);
  const f = new Float32Array(bytes);
  const [n, k] = [u[0], u[1]];
  if (n < 0 || k < 1 || n > 1024 || k > 64) return undefined;
  const probes: ProbeResult[] = [];
  let o = 3;
  for (let p = 0; p < n; p++) {
    const nTok = u[o];
    if (o + 2 > u.length || nTok < 0 || o + 2 + nTok * (1 + 2 * k) > u.length) return undefined;
    const nmse = f[o + 1];
    o += 2;
    const err = f.slice(o, o + nTok);
    o += nTok;
    const latents = u.slice(o, o + nTok * k);
    o += nTok * k;
    const values = f.slice(o, o + nTok * k);
    o += nTok * k;
    probes.push({ nmse, err, latents, values });
  }
  return o === u.length ? { step, k, mmcs: f[2], probes } : undefined;
}

async function decode(row: ChunkRecord): Promise<ProbeSnapshot> {
  const snap = (await sha256Hex(new Uint8Array(row.bytes))) === row.sha256 ? decodeProbeBytes(row.index, row.bytes) : undefined;
  if (!snap) throw new IntegrityError(`The probe snapshot of run ${row.ownerId} at step ${row.index} is corrupted; the probe history stops before it.`, { runId: row.ownerId, step: row.index });
  return snap;
}

/** The probe snapshot recorded at exactly `step`, or undefined. */
export async function readProbeSnapshot(db: LanternDb, runId: string, step: number): Promise<ProbeSnapshot | undefined> {
  const row = await db.probeChunks.get([runId, step]);
  return row ? decode(row) : undefined;
}

/** Per probe, its NMSE at each snapshot, and the ground-truth MMCS over the same steps. */
export interface ProbeHistory {
  steps: number[];
  nmse: number[][];
  mmcs: number[];
  error?: string;
}

/**
 * The run's probe snapshots after `after` (a key range on [ownerId+index], never the whole table),
 * in step order; a corrupted row ends the history there, with `error` saying where.
 */
export async function readProbeHistory(db: LanternDb, runId: string, after = -Infinity): Promise<ProbeHistory> {
  const rows = await db.probeChunks.where('[ownerId+index]').between([runId, after], [runId, Infinity], false, true).toArray();
  const out: ProbeHistory = { steps: [], nmse: [], mmcs: [] };
  for (const row of rows) {
    try {
      const s = await decode(row);
      out.steps.push(s.step);
      s.probes.forEach((p, i) => (out.nmse[i] ??= []).push(p.nmse));
      out.mmcs.push(s.mmcs);
    } catch (e) {
      out.error = (e as Error).message;
      break;
    }
  }
  return out;
}

/** Probe indices from learned (lowest NMSE at snapshot `i`) to struggling. */
export function rankProbes(h: ProbeHistory, i: number): number[] {
  return h.nmse.map((_, p) => p).sort((a, b) => (h.nmse[a][i] ?? Infinity) - (h.nmse[b][i] ?? Infinity) || a - b);
}
