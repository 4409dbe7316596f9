// EleutherAI sparsify layout (cfg.json + sae.safetensors) → SaeWeights, in memory.
// sparsify stores the encoder as an nn.Linear ([dSae, dIn]); SAELens' W_enc is its transpose.

import type { SaeWeights } from '../types';
import { cfgReader, parseCfg, readShapedTensor, SaeFormatError, type Json } from './common';
import { parseSafetensors } from './safetensors';

export interface SparsifyImport {
  weights: SaeWeights;
  /** sparsify coders are TopK on relu(encoder(x − b_dec)), i.e. SAELens TopK with apply_b_dec_to_input. */
  architecture: 'topk';
  k: number;
  /** cfg.json as read, for display. */
  cfg: Json;
}

/**
 * sparsify cfg.json (`d_in`, `k`, `num_latents` or `expansion_factor`, flags) and sae.safetensors
 * (`encoder.weight` [dSae, dIn], `encoder.bias` [dSae], `W_dec` [dSae, dIn], `b_dec` [dIn]) → SaeWeights.
 * Transcoders, skip connections and non-TopK activations have no SaeWeights equivalent and are refused.
 */
export function importSparsify(cfgJson: string, weightsBytes: Uint8Array): SparsifyImport {
  const format = 'sparsify';
  const cfg = parseCfg(format, cfgJson);
  const r = cfgReader(format, cfg);
  // 1. Sizes: num_latents wins when non-zero, else d_in · expansion_factor.
  const dIn = r.positiveInt('d_in');
  const k = r.positiveInt('k');
  const numLatents = r.optionalInt('num_latents', 0) ?? 0;
  const dSae = numLatents > 0 ? numLatents : dIn * r.positiveInt('expansion_factor');
  if (k > dSae) throw new SaeFormatError('invalid-cfg', `sparsify cfg.json: k = ${k} exceeds the ${dSae} latents`, { key: 'k', value: k });

  // 2. Variants without an SAE equivalent.
  const activation = r.optionalString('activation') ?? 'topk';
  if (activation !== 'topk') {
    throw new SaeFormatError('unsupported-architecture', `sparsify cfg.json: activation "${activation}" is not supported (only "topk")`, { key: 'activation' });
  }
  for (const flag of ['transcode', 'skip_connection', 'embed_skip', 'gram_lookup']) {
    if (r.optionalBool(flag)) {
      throw new SaeFormatError('unsupported-architecture', `sparsify cfg.json: "${flag}": true is not supported (plain sparse autoencoders only)`, { key: flag });
    }
  }

  // 3. Tensors, checked against the cfg, encoder transposed to [dIn, dSae].
  const file = parseSafetensors(weightsBytes);
  const readTensor = (name: string, shape: number[], what: string) => readShapedTensor(format, file, name, shape, what);
  const encoder = readTensor('encoder.weight', [dSae, dIn], '[num_latents, d_in]');
  const b_enc = readTensor('encoder.bias', [dSae], '[num_latents]');
  const W_dec = readTensor('W_dec', [dSae, dIn], '[num_latents, d_in]');
  const b_dec = readTensor('b_dec', [dIn], '[d_in]');
  const W_enc = new Float32Array(dIn * dSae);
  for (let i = 0; i < dSae; i++) for (let j = 0; j < dIn; j++) W_enc[j * dSae + i] = encoder[i * dIn + j];
  return { weights: { dIn, dSae, W_enc, W_dec, b_enc, b_dec }, architecture: 'topk', k, cfg };
}
