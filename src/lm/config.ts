// config.json → model summary: family, depth, widths, heads, vocabulary, parameter count and the
// hook points the studio offers, reading both GPT-2 (`n_embd`) and Llama (`hidden_size`) spellings.
import { LmError } from './errors';
import { listHooks } from './hooks';

export interface ModelSummary {
  /** `model_type`, e.g. gpt2, llama. */
  family: string;
  architecture?: string;
  nLayers: number;
  dModel: number;
  nHeads: number;
  nKvHeads: number;
  dHead: number;
  dMlp: number;
  vocabSize: number;
  nCtx: number;
  /** Null for a family whose layout we do not count. */
  parameterCount: number | null;
  hookPoints: string[];
  bosTokenId?: number;
  eosTokenId?: number | number[];
}

/** Families whose blocks are Llama-shaped (RMSNorm, rotary, SwiGLU, GQA). */
const LLAMA_LIKE = new Set(['llama', 'mistral', 'qwen2', 'qwen3', 'gemma', 'olmo', 'granite', 'smollm3']);

export function summarizeConfig(config: Record<string, unknown>): ModelSummary {
  const num = (...keys: string[]): number | undefined => {
    for (const k of keys) if (typeof config[k] === 'number') return config[k] as number;
    return undefined;
  };
  const family = typeof config.model_type === 'string' ? config.model_type : 'unknown';
  const nLayers = num('num_hidden_layers', 'n_layer', 'n_layers', 'num_layers');
  const dModel = num('hidden_size', 'n_embd', 'd_model');
  const nHeads = num('num_attention_heads', 'n_head', 'num_heads');
  const vocabSize = num('vocab_size');
  const missing = Object.entries({ num_hidden_layers: nLayers, hidden_size: dModel, num_attention_heads: nHeads, vocab_size: vocabSize })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length) {
    throw new LmError('INVALID_CONFIG', `config.json lacks ${missing.join(', ')}`, { missing, modelType: family });
  }
  const d = dModel!;
  const L = nLayers!;
  const H = nHeads!;
  const V = vocabSize!;
  const kv = num('num_key_value_heads') ?? H;
  const hd = num('head_dim') ?? d / H;
  const f = num('intermediate_size', 'n_inner') ?? 4 * d;
  const nCtx = num('max_position_embeddings', 'n_positions', 'n_ctx') ?? 0;
  let parameterCount: number | null = null;
  if (family === 'gpt2') {
    // wte, wpe; per block qkv+proj (4d² + 4d), MLP (2df + f + d), two LayerNorms (4d); ln_f; tied head.
    parameterCount = V * d + nCtx * d + L * (4 * d * d + 4 * d + 2 * d * f + f + d + 4 * d) + 2 * d;
  } else if (LLAMA_LIKE.has(family)) {
    const tied = config.tie_word_embeddings === true;
    const attn = d * H * hd + 2 * d * kv * hd + H * hd * d;
    parameterCount = V * d * (tied ? 1 : 2) + L * (attn + 3 * d * f + 2 * d) + d;
  }
  const arch = Array.isArray(config.architectures) ? String(config.architectures[0]) : undefined;
  return {
    family,
    architecture: arch,
    nLayers: L,
    dModel: d,
    nHeads: H,
    nKvHeads: kv,
    dHead: hd,
    dMlp: f,
    vocabSize: V,
    nCtx,
    parameterCount,
    hookPoints: listHooks(L),
    bosTokenId: num('bos_token_id'),
    eosTokenId: Array.isArray(config.eos_token_id) ? (config.eos_token_id as number[]) : num('eos_token_id'),
  };
}
