// Plain-TypeScript forward pass of the fixture families (GPT-2, Llama): the oracle for hook
// values, steering, splicing and generation. Float64 loops over one unpadded sequence, no tricks.
import { dHead, ropeTables, type FixtureSpec, type FixtureWeights } from '../fixtures/spec';

export interface ReferenceOptions {
  /** Added to the hook value: [dModel] (every position) or [seq·dModel]. */
  steer?: Record<string, Float32Array>;
  /** Replaces the hook value: [seq·dModel]. */
  splice?: Record<string, Float32Array>;
  /** Clamps SAE features at the hook (applied after steer). */
  clamp?: Record<string, ReferenceClamp>;
}

/** k clamped features: encoder [d, k], decoder [k, d], bEnc [k], bDec [d], value [k]. */
export interface ReferenceClamp {
  encoder: Float32Array;
  decoder: Float32Array;
  bEnc: Float32Array;
  bDec: Float32Array;
  value: Float32Array;
}

/** x ← x + Σ_f (value_f − relu((x − b_dec)·enc_f + bEnc_f))·dec_f, per row of x [n, d]. */
function clampRows(x: Float64Array, n: number, d: number, c: ReferenceClamp) {
  const k = c.bEnc.length;
  for (let i = 0; i < n; i++) {
    const row = x.slice(i * d, (i + 1) * d);
    for (let f = 0; f < k; f++) {
      let pre = c.bEnc[f];
      for (let j = 0; j < d; j++) pre += (row[j] - c.bDec[j]) * c.encoder[j * k + f];
      const delta = c.value[f] - Math.max(pre, 0);
      for (let j = 0; j < d; j++) x[i * d + j] += delta * c.decoder[f * d + j];
    }
  }
}

export interface ReferenceResult {
  /** [seq, vocab] */
  logits: Float32Array;
  /** Every hook point's value (after its own steer/splice), [seq, dModel]. */
  hooks: Record<string, Float32Array>;
}

/** x [n, k] @ w [k, m] (row-major) → [n, m]. */
function matmul(x: Float64Array, w: Float32Array, n: number, k: number, m: number, bias?: Float32Array): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let acc = bias ? bias[j] : 0;
      for (let p = 0; p < k; p++) acc += x[i * k + p] * w[p * m + j];
      out[i * m + j] = acc;
    }
  }
  return out;
}

function layerNorm(x: Float64Array, n: number, d: number, g: Float32Array, b: Float32Array, eps: number): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[i * d + j];
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[i * d + j] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j] - mean) * inv * g[j] + b[j];
  }
  return out;
}

function rmsNorm(x: Float64Array, n: number, d: number, g: Float32Array, eps: number): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let ms = 0;
    for (let j = 0; j < d; j++) ms += x[i * d + j] ** 2;
    const inv = 1 / Math.sqrt(ms / d + eps);
    for (let j = 0; j < d; j++) out[i * d + j] = x[i * d + j] * inv * g[j];
  }
  return out;
}

/**
 * Causal attention over one sequence. q [n, nHeads·hd], k/v [n, nKv·hd]; query head h reads
 * key/value head floor(h / (nHeads / nKv)) (grouped-query attention).
 */
function attention(q: Float64Array, k: Float64Array, v: Float64Array, n: number, nHeads: number, nKv: number, hd: number) {
  const out = new Float64Array(n * nHeads * hd);
  const group = nHeads / nKv;
  const scale = 1 / Math.sqrt(hd);
  const w = new Float64Array(n);
  for (let h = 0; h < nHeads; h++) {
    const kh = Math.floor(h / group);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let c = 0; c < hd; c++) s += q[i * nHeads * hd + h * hd + c] * k[j * nKv * hd + kh * hd + c];
        w[j] = s * scale;
        max = Math.max(max, w[j]);
      }
      let z = 0;
      for (let j = 0; j <= i; j++) z += (w[j] = Math.exp(w[j] - max));
      for (let c = 0; c < hd; c++) {
        let acc = 0;
        for (let j = 0; j <= i; j++) acc += w[j] * v[j * nKv * hd + kh * hd + c];
        out[i * nHeads * hd + h * hd + c] = acc / z;
      }
    }
  }
  return out;
}

/** Rotary embedding in place on x [n, heads·hd] (rotate-half convention), positions 0..n-1. */
function rotary(x: Float64Array, n: number, heads: number, hd: number, tables: { cos: Float32Array; sin: Float32Array }) {
  const half = hd / 2;
  for (let i = 0; i < n; i++) {
    for (let h = 0; h < heads; h++) {
      const o = i * heads * hd + h * hd;
      for (let c = 0; c < half; c++) {
        const cos = tables.cos[i * hd + c];
        const sin = tables.sin[i * hd + c];
        const a = x[o + c];
        const b = x[o + c + half];
        x[o + c] = a * cos - b * sin;
        x[o + c + half] = b * cos + a * sin;
      }
    }
  }
}

export function referenceForward(
  spec: FixtureSpec,
  w: FixtureWeights,
  tokens: ArrayLike<number>,
  opts: ReferenceOptions = {},
): ReferenceResult {
  const n = tokens.length;
  const d = spec.dModel;
  const hd = dHead(spec);
  const hooks: Record<string, Float32Array> = {};
  /** Applies the splice, then the steer, then the clamp for `name` to x [n, d] in place, and records it. */
  const hook = (name: string, x: Float64Array) => {
    const splice = opts.splice?.[name];
    if (splice) x.set(splice);
    const steer = opts.steer?.[name];
    if (steer) for (let i = 0; i < n * d; i++) x[i] += steer.length === d ? steer[i % d] : steer[i];
    const clamp = opts.clamp?.[name];
    if (clamp) clampRows(x, n, d, clamp);
    hooks[name] = Float32Array.from(x);
  };

  // 1. Embeddings (+ learned positions for GPT-2).
  let x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      x[i * d + j] = w.embed[tokens[i] * d + j] + (w.pos ? w.pos[i * d + j] : 0);
    }
  }
  const tables = ropeTables(spec);
  // 2. Blocks: resid_pre → attention → resid_mid → MLP → resid_post.
  for (let l = 0; l < spec.nLayers; l++) {
    const p = `blocks.${l}.`;
    hook(p + 'hook_resid_pre', x);
    let attnOut: Float64Array;
    if (spec.family === 'gpt2') {
      const L = w.gpt2Layers[l];
      const qkv = matmul(layerNorm(x, n, d, L.ln1G, L.ln1B, spec.eps), L.attnW, n, d, 3 * d, L.attnB);
      const q = new Float64Array(n * d);
      const k = new Float64Array(n * d);
      const v = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        q.set(qkv.subarray(i * 3 * d, i * 3 * d + d), i * d);
        k.set(qkv.subarray(i * 3 * d + d, i * 3 * d + 2 * d), i * d);
        v.set(qkv.subarray(i * 3 * d + 2 * d, i * 3 * d + 3 * d), i * d);
      }
      attnOut = matmul(attention(q, k, v, n, spec.nHeads, spec.nHeads, hd), L.projW, n, d, d, L.projB);
    } else {
      const L = w.llamaLayers[l];
      const h = rmsNorm(x, n, d, L.inputNorm, spec.eps);
      const q = matmul(h, L.wq, n, d, spec.nHeads * hd);
      const k = matmul(h, L.wk, n, d, spec.nKvHeads * hd);
      const v = matmul(h, L.wv, n, d, spec.nKvHeads * hd);
      rotary(q, n, spec.nHeads, hd, tables);
      rotary(k, n, spec.nKvHeads, hd, tables);
      attnOut = matmul(attention(q, k, v, n, spec.nHeads, spec.nKvHeads, hd), L.wo, n, spec.nHeads * hd, d);
    }
    hook(p + 'hook_attn_out', attnOut);
    const mid = x.map((xi, i) => xi + attnOut[i]);
    hook(p + 'hook_resid_mid', mid);
    let mlpOut: Float64Array;
    if (spec.family === 'gpt2') {
      const L = w.gpt2Layers[l];
      const a = matmul(layerNorm(mid, n, d, L.ln2G, L.ln2B, spec.eps), L.fcW, n, d, spec.dMlp, L.fcB);
      // gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      for (let i = 0; i < a.length; i++) {
        a[i] = 0.5 * a[i] * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a[i] + 0.044715 * a[i] ** 3)));
      }
      mlpOut = matmul(a, L.fcProjW, n, spec.dMlp, d, L.fcProjB);
    } else {
      const L = w.llamaLayers[l];
      const h = rmsNorm(mid, n, d, L.postNorm, spec.eps);
      const gate = matmul(h, L.wGate, n, d, spec.dMlp);
      const up = matmul(h, L.wUp, n, d, spec.dMlp);
      // SwiGLU: silu(gate)·up
      for (let i = 0; i < gate.length; i++) gate[i] = (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
      mlpOut = matmul(gate, L.wDown, n, spec.dMlp, d);
    }
    hook(p + 'hook_mlp_out', mlpOut);
    x = mid.map((xi, i) => xi + mlpOut[i]);
    hook(p + 'hook_resid_post', x);
  }
  // 3. Final norm and unembedding.
  const normed = w.normB ? layerNorm(x, n, d, w.normG, w.normB, spec.eps) : rmsNorm(x, n, d, w.normG, spec.eps);
  const logits = Float32Array.from(matmul(normed, w.lmHead, n, d, spec.vocabSize));
  return { logits, hooks };
}

/** Greedy decoding by recomputing the whole prefix each step (no cache): the generation oracle. */
export function referenceGreedy(
  spec: FixtureSpec,
  w: FixtureWeights,
  prompt: number[],
  maxNewTokens: number,
  opts: Pick<ReferenceOptions, 'steer' | 'clamp'> = {},
): number[] {
  const tokens = [...prompt];
  for (let s = 0; s < maxNewTokens; s++) {
    const { logits } = referenceForward(spec, w, tokens, opts);
    const row = logits.subarray((tokens.length - 1) * spec.vocabSize);
    let best = 0;
    for (let t = 1; t < row.length; t++) if (row[t] > row[best]) best = t;
    tokens.push(best);
  }
  return tokens.slice(prompt.length);
}
