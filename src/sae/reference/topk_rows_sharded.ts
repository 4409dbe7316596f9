// CPU reference for shaders/sae/topk_rows_sharded.wgsl: the per-row top-k of the row's latents
// joined across column shards (topk_rows' rule: ties at the k-th value all kept), split back.
import { joinColumns, splitColumns, type Shard } from '../shards';
import { topkRowsReference, type TopkRowsOptions } from './topk_rows';

/** s: one [nTok, size] block per shard → the same blocks of the joined rows' top-k. */
export function topkRowsShardedReference(s: Float32Array[], nTok: number, shards: Shard[], o: TopkRowsOptions): Float32Array[] {
  const dSae = shards.reduce((a, sh) => a + sh.size, 0);
  return splitColumns(topkRowsReference(joinColumns(s, nTok, shards), nTok, dSae, o), nTok, shards);
}
