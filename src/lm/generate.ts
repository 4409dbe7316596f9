// Autoregressive generation over an ORT decoder session with its KV cache: seeded sampling, stop
// tokens, streaming and cancellation, plus the steering feeds (Σ strength·direction, SAE clamps).
import { LmError } from './errors';
import { seededRandom } from './random';
import { penalizeFrequency, sampleToken, type SamplingOptions } from './sampling';
import { ort, type LmSession } from './session';
import type { ClampInputs } from './surgery';

export interface SteeringTerm {
  /** [dModel] */
  direction: Float32Array;
  strength: number;
}

/** Σ strengthᵢ · directionᵢ → [dModel]: the additive vector for one hook's `steer.<hook>` input. */
export function steeringVector(terms: SteeringTerm[], dModel: number): Float32Array {
  const out = new Float32Array(dModel);
  for (const { direction, strength } of terms) {
    if (direction.length !== dModel) {
      throw new LmError('BAD_INPUT', `A steering direction has ${direction.length} values; the hook has ${dModel}`, {
        length: direction.length,
        dModel,
      });
    }
    for (let j = 0; j < dModel; j++) out[j] += strength * direction[j];
  }
  return out;
}

/** k SAE features clamped at one hook: rows of W_enc's transpose and W_dec, biases, target values. */
export interface FeatureClamp {
  /** [k, d]: encoder column of each feature, stored as rows */
  encoderRows: Float32Array;
  /** [k, d] */
  decoderRows: Float32Array;
  /** [k] */
  bEnc: Float32Array;
  /** [d] */
  bDec: Float32Array;
  /** [k] */
  value: Float32Array;
  /** [k]: θ_f, a_f = pre_f·[pre_f > θ_f] (for a graph whose clamp is 'jumprelu' or 'topk'). */
  threshold?: Float32Array;
  /** Which rows the graph ranks among all the SAE's latents (for a graph whose clamp is 'topk'; its ranking is built in). */
  rank?: {
    /** [k_clamped]: each row's latent */
    latent: number[];
    /** [k_clamped]: 1 where the row must be in the top k, 0 where not */
    ranked: Float32Array;
  };
}

/** Feeds for a hooked graph's `clamp.<hook>.*` inputs, in the session's stream type. */
export function clampFeeds(session: LmSession, names: ClampInputs, c: FeatureClamp): Record<string, ort.Tensor> {
  const k = c.bEnc.length;
  const d = c.bDec.length;
  if (c.encoderRows.length !== k * d || c.decoderRows.length !== k * d || c.value.length !== k) {
    throw new LmError('BAD_INPUT', `Clamp rows must be [${k}, ${d}] with ${k} values`, { k, d });
  }
  const encoder = new Float32Array(d * k);
  for (let f = 0; f < k; f++) for (let j = 0; j < d; j++) encoder[j * k + f] = c.encoderRows[f * d + j];
  const feeds: Record<string, ort.Tensor> = {
    [names.encoder]: session.streamTensor(encoder, [d, k]),
    [names.decoder]: session.streamTensor(c.decoderRows, [k, d]),
    [names.bEnc]: session.streamTensor(c.bEnc, [k]),
    [names.bDec]: session.streamTensor(c.bDec, [d]),
    [names.value]: session.streamTensor(c.value, [k]),
  };
  if (names.threshold) {
    if (c.threshold?.length !== k) throw new LmError('BAD_INPUT', `This clamp graph needs ${k} thresholds`, { k });
    feeds[names.threshold] = session.streamTensor(c.threshold, [k]);
  }
  if (names.rank) {
    const r = c.rank;
    if (!r || r.latent.length !== k || r.ranked.length !== k) {
      throw new LmError('BAD_INPUT', `This clamp graph ranks every latent: it needs each of the ${k} rows' latent and whether it is ranked`, { k });
    }
    feeds[names.rank.latent] = new ort.Tensor('int64', BigInt64Array.from(r.latent, (l) => BigInt(l)), [k]);
    feeds[names.rank.ranked] = session.streamTensor(r.ranked, [k]);
  }
  return feeds;
}

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Generation ends after emitting one of these. */
  stopTokens?: number[];
  /** Seed for sampling (default 0). */
  seed?: number;
  signal?: AbortSignal;
  /** Extra feeds for every step, e.g. `steer.<hook>` [dModel] vectors and clamp inputs. */
  feeds?: Record<string, ort.Tensor>;
  /** Called with each step's next-token logits [vocab] (after the frequency penalty) and the token drawn from them. */
  onLogits?: (logits: Float32Array, token: number) => void;
}

/**
 * Streams generated token ids. Step 1 runs the whole prompt with an empty cache; each later
 * step feeds one token with the previous `present.*` as `past_key_values.*`.
 */
export async function* generate(session: LmSession, prompt: number[], opts: GenerateOptions): AsyncGenerator<number> {
  if (!prompt.length) throw new LmError('BAD_INPUT', 'The prompt is empty', {});
  const rand = seededRandom(opts.seed ?? 0);
  const stop = new Set(opts.stopTokens ?? []);
  /** token → times generated so far, for the frequency penalty */
  const counts = new Map<number, number>();
  let past = session.emptyCache(1);
  let ids = prompt;
  for (let step = 0; step < opts.maxNewTokens; step++) {
    if (opts.signal?.aborted) throw new LmError('ABORTED', 'Generation was cancelled', { step });
    const out = await session.forward({ inputIds: ids, batch: 1, past, extra: opts.feeds });
    const logits = out.logits.data as Float32Array;
    const vocab = logits.length / ids.length;
    const raw = logits.subarray(logits.length - vocab);
    const last = opts.frequencyPenalty ? penalizeFrequency(raw, counts, opts.frequencyPenalty) : raw;
    const token = sampleToken(last, opts, rand);
    counts.set(token, (counts.get(token) ?? 0) + 1);
    opts.onLogits?.(last, token);
    yield token;
    if (stop.has(token)) return;
    past = session.cacheFrom(out);
    ids = [token];
  }
}

/** Runs `generate` to the end, calling `onToken` as tokens arrive; returns all new tokens. */
export async function generateAll(
  session: LmSession,
  prompt: number[],
  opts: GenerateOptions,
  onToken?: (token: number, index: number) => void,
): Promise<number[]> {
  const tokens: number[] = [];
  for await (const t of generate(session, prompt, opts)) {
    onToken?.(t, tokens.length);
    tokens.push(t);
  }
  return tokens;
}
