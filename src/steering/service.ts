// The steering page's work in the GPU worker: the model (from the browser's cache) and the SAE
// (hash-checked) loaded once and kept, every input checked with a message that says what to change,
// raw vectors resolved on the model, then the default and steered continuations streamed side by side
// with their token texts. Also chat templates, the logit lens and ablation.
import { decodeCheckpoint } from '../sae/checkpointCodec';
import { weightsFromState } from '../sae/formats/state';
import type { SaeWeights } from '../sae/types';
import { readCheckpoint } from '../storage/checkpoints';
import type { LanternDb, ModelRecord } from '../storage/db';
import { cacheFirstFetch } from '../lm/cacheFirst';
import type { ModelSummary } from '../lm/config';
import { LmError } from '../lm/errors';
import { parseHook } from '../lm/hooks';
import { loadModelFiles, VARIANT_SUFFIX, type ModelDtype, type ModelFiles } from '../lm/hub';
import { openModel, type OpenedModel } from '../lm/model';
import { configureOrtForBrowser } from '../lm/ortBrowser';
import type { Backend, LmSession } from '../lm/session';
import { ablate, type LatentAblation } from '../lm/ablation';
import { LENS_TOP, lensPlans, logitLens } from '../lm/logitLens';
import { sideBySide, type Side } from '../lm/sideBySide';
import { applyChatTemplate } from '../lm/chatTemplate';
import {
  checkSaeFitsModel,
  differenceVector,
  hookMean,
  latentDirection,
  steeringFeeds,
  steeringPlan,
  steeringRank,
  validateSteering,
  type ResolvedVector,
  type SteeringSetup,
} from '../lm/steering';
import { loadTokenizer, type LmTokenizer } from '../lm/tokenizer';
import { encoderRule, type EncoderRule } from '../features/encoder';
import { vocabularyText } from '../features/tokens';

export interface SteerRequest {
  /** The SAE steered with; absent when only difference vectors steer. */
  saeId?: string;
  modelId: string;
  /** The SAE's hook (absent with the SAE). */
  hook?: string;
  prompt: string;
  setup: SteeringSetup;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  /** logit[t] −= frequencyPenalty × (times t was generated), in both columns alike. */
  frequencyPenalty: number;
  seed: number;
  backend: 'auto' | 'wasm';
}

export interface ChatRequest {
  modelId: string;
  /** The user's message. */
  message: string;
  backend: 'auto' | 'wasm';
}

export interface StreamedToken {
  token: number;
  text: string;
  prob: number;
  top: { token: number; text: string; prob: number }[];
}

export type SteerEvent =
  | { type: 'status'; message: string }
  | { type: 'prompt'; tokens: number; backend: Backend }
  | { type: 'token'; side: Side; index: number; token: StreamedToken };

export interface LensRequest {
  modelId: string;
  prompt: string;
  backend: 'auto' | 'wasm';
}

/** The logit lens of a prompt, ready to draw: rows are hooks, columns the prompt's tokens. */
export interface LensResult {
  hooks: string[];
  tokens: string[];
  /** [row][position]: the LENS_TOP likeliest next tokens there, likeliest first. */
  cells: { text: string; prob: number }[][][];
}

export interface AblationRequest {
  saeId: string;
  modelId: string;
  hook: string;
  prompt: string;
  ablations: LatentAblation[];
  backend: 'auto' | 'wasm';
}

/** Per position: the next token's text, its log-probability before and after, the tokens moved most. */
export interface AblationView {
  tokens: string[];
  rows: { position: number; next: string; logProb: number; ablatedLogProb: number; moved: { text: string; prob: number; ablatedProb: number }[] }[];
}

const bad = (message: string, field: string) => new LmError('BAD_INPUT', message, { field });

/** Generation options a person typed: whole numbers in range, finite sampling parameters. */
export function validateSteerRequest(req: SteerRequest): void {
  if (!req.prompt.trim()) throw bad('Write a prompt to continue.', 'prompt');
  if (!Number.isInteger(req.maxNewTokens) || req.maxNewTokens < 1 || req.maxNewTokens > 1024) throw bad('Max new tokens must be a whole number from 1 to 1024.', 'maxNewTokens');
  if (!Number.isFinite(req.temperature) || req.temperature < 0) throw bad('Temperature must be 0 (greedy) or a positive number.', 'temperature');
  if (!Number.isInteger(req.topK) || req.topK < 0) throw bad('Top-k must be 0 (off) or a positive whole number.', 'topK');
  if (!Number.isFinite(req.topP) || req.topP <= 0 || req.topP > 1) throw bad('Top-p must be above 0 and at most 1.', 'topP');
  if (!Number.isFinite(req.frequencyPenalty) || Math.abs(req.frequencyPenalty) > 2) throw bad('The frequency penalty must be a number from −2 to 2 (0: off).', 'frequencyPenalty');
  if (!Number.isInteger(req.seed) || req.seed < 0 || req.seed > 0xffffffff) throw bad('The seed must be a whole number from 0 to 4294967295.', 'seed');
}

interface Loaded {
  key: string;
  files: ModelFiles;
  tokenizer: LmTokenizer;
  /** A token id's display text (byte pieces as <0xE2>). */
  text: (token: number) => string;
  plain: LmSession;
  /** Steered sessions by plan (steer and/or clamp at the hook). */
  steered: Map<string, OpenedModel>;
  /** The logit lens graphs, opened on first use. */
  lens?: { residuals: LmSession; lens: OpenedModel };
  /** Ablation graphs by hook: one exposing it, one splicing it. */
  ablation: Map<string, { hooked: LmSession; spliced: OpenedModel }>;
  /** Graphs exposing one hook, for difference vectors. */
  exposed: Map<string, LmSession>;
}

/** One model held at a time; another model or backend releases it. */
export function createSteeringService(db: LanternDb) {
  let loaded: Loaded | undefined;
  let sae: { id: string; weights: SaeWeights; rule: EncoderRule } | undefined;

  async function release() {
    if (!loaded) return;
    const l = loaded;
    loaded = undefined;
    const lens = l.lens ? [l.lens.residuals.release(), l.lens.lens.session.release()] : [];
    const ablation = [...l.ablation.values()].flatMap((a) => [a.hooked.release(), a.spliced.session.release()]);
    const exposed = [...l.exposed.values()].map((s) => s.release());
    await Promise.all([l.plain.release(), ...[...l.steered.values()].map((s) => s.session.release()), ...lens, ...ablation, ...exposed]);
  }

  async function model(req: Pick<SteerRequest, 'modelId' | 'backend'>, onEvent: (e: SteerEvent) => void): Promise<Loaded> {
    const key = `${req.modelId}|${req.backend}`;
    if (loaded?.key === key) return loaded;
    await release();
    const record = (await db.models.get(req.modelId)) as (ModelRecord & { summary: ModelSummary }) | undefined;
    if (!record) throw bad('The model is not downloaded; add it on the Models page.', 'modelId');
    configureOrtForBrowser();
    onEvent({ type: 'status', message: `Loading ${record.repo}…` });
    const files = await loadModelFiles(record.repo, {
      host: record.host,
      revision: record.revision,
      dtype: (record.variant in VARIANT_SUFFIX ? record.variant : 'fp32') as ModelDtype,
      fetch: typeof caches === 'undefined' ? undefined : cacheFirstFetch(),
    });
    const { session: plain } = await openModel(files, {}, { backends: backends(req) });
    const tokenizer = loadTokenizer(files.tokenizerJson, files.tokenizerConfig);
    const vocab = vocabularyText(tokenizer, files.summary.vocabSize, files.tokenizerJson);
    const text = (t: number) => vocab[t] ?? tokenizer.decode([t]);
    loaded = { key, files, tokenizer, text, plain, steered: new Map(), ablation: new Map(), exposed: new Map() };
    return loaded;
  }

  async function loadSae(id: string): Promise<{ weights: SaeWeights; rule: EncoderRule }> {
    if (sae?.id === id) return sae;
    const { state } = decodeCheckpoint(await readCheckpoint(db, id));
    const w = weightsFromState(state);
    sae = { id, weights: w, rule: encoderRule(state.config.arch, w, state.config.k) };
    return sae;
  }

  /** A prompt's tokens, refused when empty or longer than the context (`reserve` tokens kept free). */
  function encodePrompt(m: Loaded, text: string, what: string, reserve = 0): number[] {
    const tokens = m.tokenizer.encode(text);
    if (!tokens.length) throw bad(`${what} has no tokens.`, 'prompt');
    const { nCtx } = m.files.summary;
    if (nCtx && tokens.length + reserve > nCtx) {
      const extra = reserve ? ` with ${reserve} new tokens` : '';
      throw bad(`${what} has ${tokens.length} tokens${extra}; that exceeds ${m.files.repo}'s ${nCtx}-token context. Shorten it${reserve ? ' or ask for fewer tokens' : ''}.`, 'prompt');
    }
    return tokens;
  }

  /** Each raw vector as [dModel] at its hook: a latent's decoder row, or mean(A) − mean(B) at the hook. */
  async function resolveVectors(m: Loaded, req: SteerRequest, w: SaeWeights | undefined, onEvent: (e: SteerEvent) => void): Promise<ResolvedVector[]> {
    const { summary } = m.files;
    const out: ResolvedVector[] = [];
    for (const [row, v] of (req.setup.vectors ?? []).entries()) {
      parseHook(v.hook, summary.nLayers);
      if (v.kind === 'latent') {
        out.push({ hook: v.hook, direction: latentDirection(w!, v.latent, v.hook, summary.dModel), strength: v.strength });
        continue;
      }
      const a = encodePrompt(m, v.promptA, `Vector ${row + 1}'s prompt A`);
      const b = encodePrompt(m, v.promptB, `Vector ${row + 1}'s prompt B`);
      let session = m.exposed.get(v.hook);
      if (!session) {
        onEvent({ type: 'status', message: `Reading ${v.hook} for the difference vector…` });
        session = (await openModel(m.files, { expose: [v.hook], pruneToHooks: true }, { backends: backends(req) })).session;
        m.exposed.set(v.hook, session);
      }
      out.push({ hook: v.hook, direction: differenceVector(await hookMean(session, v.hook, a), await hookMean(session, v.hook, b), v.normalize), strength: v.strength });
    }
    return out;
  }

  return {
    /** Generates both continuations, streaming every token through `onEvent`. */
    async run(req: SteerRequest, onEvent: (e: SteerEvent) => void, signal?: AbortSignal): Promise<Record<Side, number[]>> {
      validateSteerRequest(req);
      const steeringSae = req.saeId ? await loadSae(req.saeId) : undefined;
      const w = steeringSae?.weights;
      validateSteering(req.setup, w);
      const m = await model(req, onEvent);
      const { summary } = m.files;
      let hook: string | undefined;
      if (w) {
        hook = req.hook ?? '';
        parseHook(hook, summary.nLayers);
        checkSaeFitsModel(w, hook, summary.dModel, m.files.repo);
      }
      const prompt = encodePrompt(m, req.prompt, 'The prompt', req.maxNewTokens);
      const vectors = await resolveVectors(m, req, w, onEvent);
      const plan = steeringPlan(hook, req.setup, steeringSae?.rule);
      const rank = steeringRank(plan, steeringSae);
      // A TopK clamp's graph holds its SAE's encoder, so another SAE needs a graph of its own.
      const planKey = rank ? `${JSON.stringify(plan)} sae:${req.saeId}` : JSON.stringify(plan);
      let opened = m.steered.get(planKey);
      if (!opened) {
        onEvent({ type: 'status', message: 'Building the steered graph…' });
        opened = await openModel(m.files, plan, { backends: backends(req) }, rank);
        m.steered.set(planKey, opened);
      }
      const steered = opened.session;
      const feeds = steeringFeeds(steered, opened.surgery, hook, req.setup, steeringSae, vectors, summary.dModel);
      onEvent({ type: 'prompt', tokens: prompt.length, backend: steered.backend });
      const { text } = m;
      return sideBySide(
        m.plain,
        steered,
        prompt,
        { maxNewTokens: req.maxNewTokens, temperature: req.temperature, topK: req.topK, topP: req.topP, frequencyPenalty: req.frequencyPenalty, seed: req.seed, signal, feeds },
        (side, step, index) =>
          onEvent({ type: 'token', side, index, token: { token: step.token, text: text(step.token), prob: step.prob, top: step.top.map((c) => ({ ...c, text: text(c.token) })) } }),
      );
    },
    /** A user message through the model's chat template, with the assistant's header after it. */
    async chatPrompt(req: ChatRequest): Promise<string> {
      if (!req.message.trim()) throw bad('Write a message to put through the chat template.', 'prompt');
      const m = await model(req, () => {});
      return applyChatTemplate(m.files.tokenizerConfig, [{ role: 'user', content: req.message }]);
    },
    /** The logit lens of a prompt on a model: each layer's top tokens at every position. */
    async lens(req: LensRequest): Promise<LensResult> {
      if (!req.prompt.trim()) throw bad('Write a prompt for the logit lens.', 'prompt');
      const m = await model(req, () => {});
      const { summary } = m.files;
      const prompt = m.tokenizer.encode(req.prompt);
      if (!prompt.length) throw bad('The prompt has no tokens.', 'prompt');
      if (summary.nCtx && prompt.length > summary.nCtx) throw bad(`The prompt has ${prompt.length} tokens, over ${m.files.repo}'s ${summary.nCtx}-token context; shorten it.`, 'prompt');
      if (!m.lens) {
        const plans = lensPlans(summary.nLayers);
        const residuals = (await openModel(m.files, plans.residuals, { backends: backends(req) })).session;
        m.lens = { residuals, lens: await openModel(m.files, plans.lens, { backends: backends(req) }) };
      }
      const last = `blocks.${summary.nLayers - 1}.hook_resid_post`;
      const grid = await logitLens(m.lens.residuals, m.lens.lens.session, m.lens.lens.surgery.spliceInputs[last], summary.nLayers, prompt);
      const { text } = m;
      const cells = grid.hooks.map((_, row) =>
        prompt.map((_, t) => {
          const at = (row * grid.seq + t) * LENS_TOP;
          return Array.from(grid.top.subarray(at, at + LENS_TOP), (id, k) => ({ text: text(id), prob: grid.prob[at + k] }));
        }),
      );
      return { hooks: grid.hooks, tokens: prompt.map(text), cells };
    },
    /** Latents zeroed or scaled at their hook for a prompt: per position, what changed in the next-token distribution. */
    async ablate(req: AblationRequest): Promise<AblationView> {
      if (!req.prompt.trim()) throw bad('Write a prompt to ablate on.', 'prompt');
      const { weights: w, rule } = await loadSae(req.saeId);
      const m = await model(req, () => {});
      const { summary } = m.files;
      parseHook(req.hook, summary.nLayers);
      checkSaeFitsModel(w, req.hook, summary.dModel, m.files.repo);
      const prompt = m.tokenizer.encode(req.prompt);
      if (prompt.length < 2) throw bad('The prompt needs at least two tokens: a position and the token after it.', 'prompt');
      if (summary.nCtx && prompt.length > summary.nCtx) throw bad(`The prompt has ${prompt.length} tokens, over ${m.files.repo}'s ${summary.nCtx}-token context; shorten it.`, 'prompt');
      let graphs = m.ablation.get(req.hook);
      if (!graphs) {
        const hooked = (await openModel(m.files, { expose: [req.hook], pruneToHooks: true }, { backends: backends(req) })).session;
        graphs = { hooked, spliced: await openModel(m.files, { splice: [req.hook] }, { backends: backends(req) }) };
        m.ablation.set(req.hook, graphs);
      }
      const rows = await ablate({ hook: req.hook, hooked: graphs.hooked, spliced: graphs.spliced.session, spliceInput: graphs.spliced.surgery.spliceInputs[req.hook] }, w, rule, prompt, req.ablations);
      const { text } = m;
      return {
        tokens: prompt.map(text),
        rows: rows.map((r) => ({ position: r.position, next: text(r.next), logProb: r.logProb, ablatedLogProb: r.ablatedLogProb, moved: r.moved.map((c) => ({ text: text(c.token), prob: c.prob, ablatedProb: c.ablatedProb })) })),
      };
    },
    release,
  };
}

function backends(req: Pick<SteerRequest, 'backend'>): Backend[] {
  return req.backend === 'wasm' ? ['wasm'] : ['webgpu', 'wasm'];
}
