// A training run's probe inputs, computed once when its trainer starts (the LM is frozen): synthetic
// ground-truth samples, or the typed texts (none typed: samples of the run's dataset) through the hooked model.
import { tensorToFloat32 } from '../../lm/extract';
import { loadTokenizer } from '../../lm/tokenizer';
import { PROBE_MAX_TOKENS, syntheticProbes, type ProbeSet } from '../../replay/probes';
import type { ActivationSource, LanternDb } from '../../storage/db';
import { JobError } from '../types';
import { openHookedModel } from './extract';
import type { TrainParams } from './train';

/** Dataset samples probed when no text is typed. */
const DEFAULT_PROBES = 3;

/** The run's probes, or undefined when it has none; model probes run through the same hook the SAE trains on. */
export async function computeProbeSet(db: LanternDb, params: TrainParams): Promise<ProbeSet | undefined> {
  const spec = params.probes;
  const source = params.source;
  if (!spec) return undefined;
  if ('synthetic' in spec) {
    if (source.type !== 'synthetic') throw new JobError('invalid-params', 'Synthetic probes need the synthetic source.', { field: 'probes' });
    const { type: _t, ...opts } = source;
    return syntheticProbes({ ...opts, dIn: params.config.dIn }, spec.synthetic);
  }
  if (source.type === 'synthetic') throw new JobError('invalid-params', 'Probe texts need a model source (an activation set or live extraction).', { field: 'probes' });
  let at: { modelId: string; hook: string; backend: 'auto' | 'wasm'; tokens: ActivationSource | undefined };
  if (source.type === 'live') {
    at = { modelId: source.modelId, hook: source.hook, backend: source.backend, tokens: source.tokens };
  } else {
    const set = await db.activationSets.get(source.setId);
    if (!set) throw new JobError('invalid-params', `Activation set ${source.setId} does not exist; extract it first.`, { field: 'source' });
    at = { modelId: set.modelId, hook: set.hook, backend: set.backend === 'wasm' ? 'wasm' : 'auto', tokens: set.source };
  }
  // A set that does not record the text it came from has no samples to probe: the run trains without probes.
  if (!spec.texts.length && !at.tokens) return undefined;
  const nCtx = Number((await db.models.get(at.modelId))?.summary.nCtx) || PROBE_MAX_TOKENS;
  const maxTokens = Math.min(PROBE_MAX_TOKENS, nCtx);
  const hooked = await openHookedModel(
    db,
    { modelId: at.modelId, hook: at.hook, source: at.tokens ?? { type: 'text', text: spec.texts.join('\n') }, contextSize: maxTokens, batchSize: 1, maxSequences: 0, skipPositions: 0, backend: at.backend },
    () => {},
  );
  try {
    const tokenizer = loadTokenizer(hooked.files.tokenizerJson, hooked.files.tokenizerConfig);
    // 1. Token ids: each typed text's first tokens, or contexts spread evenly over the dataset.
    let ids: number[][];
    if (spec.texts.length) {
      ids = spec.texts.map((t) => tokenizer.encode(t).slice(0, maxTokens));
      const empty = ids.findIndex((x) => !x.length);
      if (empty >= 0) throw new JobError('invalid-params', `Probe text ${empty + 1} has no tokens; remove that line or type some text.`, { field: 'probeTexts' });
    } else {
      const n = hooked.source.numSequences;
      const picks = [...new Set(Array.from({ length: Math.min(DEFAULT_PROBES, n) }, (_, i) => Math.floor((i * n) / DEFAULT_PROBES)))];
      ids = await Promise.all(picks.map(async (c) => Array.from((await hooked.source.read(c, 1)).tokens.slice(0, maxTokens))));
    }
    // 2. Activations at the hook, one forward pass per probe.
    const x: Float32Array[] = [];
    for (const tokens of ids) {
      const out = await hooked.session.forward({ inputIds: tokens, batch: 1 });
      x.push(tensorToFloat32(out[at.hook]).slice(0, tokens.length * params.config.dIn));
    }
    return { dIn: params.config.dIn, tokens: ids.map((t) => t.map((id) => tokenizer.decode([id]))), x };
  } finally {
    await hooked.session.release();
  }
}
