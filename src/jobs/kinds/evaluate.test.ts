// The eval job through the real queue on fake-indexeddb (CPU encoder, ORT WASM) with the fixture GPT-2
// from the Hub mirror: an SAE that reconstructs exactly scores 1 and its scores land on the checkpoint;
// paused and resumed it stores what one run stores; an SAE of the wrong width is refused, storing nothing;
// a finished training run on a model source leads to an evaluation of its final checkpoint.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { randomArray } from '@/gpu/testing';
import { PLANTED_TEXT } from '../../features/testing';
import { identitySae } from '../../sae/weights.testing';
import { FIXTURE_ORG } from '../../lm/fixtures/repos';
import { encodeCheckpoint } from '../../sae/checkpointCodec';
import { stateFromWeights } from '../../sae/formats/state';
import type { SaeWeights } from '../../sae/types';
import { writeCheckpoint } from '../../storage/checkpoints';
import type { JobRecord } from '../../storage/db';
import { fixtureModelQueue, settled as settledIn, storeImportedSae, withControlPoint } from '../testing';
import type { JobKind } from '../types';
import { AFTER_TRAINING_TOKENS, evalAfterTraining, evalJob, type EvalParams } from './evaluate';
import type { TrainParams } from './train';

const REPO = `${FIXTURE_ORG}/tiny-gpt2`;
const HOOK = 'blocks.1.hook_resid_post';
const D = 48;

const env = fixtureModelQueue('tiny-gpt2', REPO, () => [kind.kind as unknown as JobKind]);
const kind = withControlPoint(evalJob, () => env.queue);

const randomSae = (d: number, dSae: number): SaeWeights => ({
  dIn: d,
  dSae,
  W_enc: randomArray(d * dSae, 3, -0.3, 0.3),
  W_dec: randomArray(dSae * d, 4, -0.3, 0.3),
  b_enc: randomArray(dSae, 5, -0.1, 0.2),
  b_dec: randomArray(d, 6, -0.1, 0.1),
});

const storeSae = (weights: SaeWeights, name: string) => storeImportedSae(env.db, weights, name, { repo: REPO, hook: HOOK, layer: 1 });

/** Generous: the model runs on the CPU, which other work may share; nothing here asserts a time. */
const settled = (id: string, statuses?: JobRecord['status'][]) => settledIn(env.db, id, statuses, 240_000);

const params = (saeId: string, over: Partial<EvalParams> = {}): EvalParams => ({
  saeId,
  modelId: 'm1',
  hook: HOOK,
  source: { type: 'text', text: PLANTED_TEXT },
  contextSize: 16,
  maxTokens: 64,
  batchContexts: 2,
  backend: 'wasm',
  ...over,
});

describe('eval job', () => {
  it('an SAE that reconstructs exactly scores 1 on the last contexts, stored on its checkpoint', async () => {
    const saeId = await storeSae(identitySae(D), 'identity');
    const job = await settled(await env.queue.enqueue({ kind: 'eval', params: params(saeId) }));
    expect(job.status, job.error?.message).toBe('done');
    const e = (await env.db.checkpoints.get(saeId))!.evaluation!;
    expect(e).toMatchObject({ modelId: 'm1', model: REPO, hook: HOOK, contexts: 4, tokens: 64, l0: expect.any(Number) });
    expect(e.ceLossScore).toBeCloseTo(1, 4);
    expect(e.klDivScore).toBeCloseTo(1, 4);
    expect(e.explainedVariance).toBeCloseTo(1, 5);
    expect(e.ceSae).toBeCloseTo(e.ceClean, 5);
    expect(e.deadLatents).toBeLessThan(2 * D);
  });

  it('paused mid-way and resumed, it stores the scores one uninterrupted run stores', async () => {
    const saeId = await storeSae(randomSae(D, 40), 'random');
    const one = await settled(await env.queue.enqueue({ kind: 'eval', params: params(saeId, { batchContexts: 1, maxTokens: 48 }) }));
    expect(one.status, one.error?.message).toBe('done');
    const whole = (await env.db.checkpoints.get(saeId))!.evaluation!;
    await env.db.checkpoints.update(saeId, { evaluation: undefined });
    kind.after(1, 'pause');
    const id = await env.queue.enqueue({ kind: 'eval', params: params(saeId, { batchContexts: 1, maxTokens: 48 }) });
    const paused = await settled(id, ['paused', 'done']);
    expect(paused.status).toBe('paused');
    expect((await env.db.checkpoints.get(saeId))!.evaluation).toBeUndefined();
    await env.queue.resume(id);
    expect((await settled(id)).status).toBe('done');
    const split = (await env.db.checkpoints.get(saeId))!.evaluation!;
    expect({ ...split, createdAt: 0 }).toEqual({ ...whole, createdAt: 0 });
  });

  it('refuses an SAE whose width is not the hook width, naming both, and stores nothing', async () => {
    const saeId = await storeSae(identitySae(8), 'narrow');
    const job = await settled(await env.queue.enqueue({ kind: 'eval', params: params(saeId) }), ['failed', 'done']);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'width-mismatch', message: expect.stringContaining('d_in = 8') });
    expect((await env.db.checkpoints.get(saeId))!.evaluation).toBeUndefined();
  });

  it("a finished training run on a model source leads to an evaluation of its final checkpoint on that model, hook and tokens; one on stored activations, or stopped, to none", async () => {
    const payload = encodeCheckpoint(stateFromWeights(identitySae(D), 'relu'), {});
    await env.db.runs.put({ id: 'run_a', name: 'live-run', config: {}, status: 'done', step: 200, createdAt: 1 });
    await writeCheckpoint(env.db, 'run_a', 100, payload);
    const final = await writeCheckpoint(env.db, 'run_a', 200, payload);
    const tokens = { type: 'tokenization' as const, tokenizationId: 'tok1', datasetId: 'ds1' };
    const live = { type: 'live', modelId: 'm1', hook: HOOK, tokens, contextSize: 32, contextsPerChunk: 8, seed: 1, backend: 'auto' } as const;
    const job = (id: string, source: unknown, over: Record<string, unknown> = {}) =>
      env.db.jobs.put({ id, kind: 'train', title: 't', priority: 'normal', seq: 1, status: 'done', progress: 1, params: { runId: 'run_a', source } as Partial<TrainParams>, elapsedMs: 0, attempts: 1, createdAt: 1, updatedAt: 1, ...over });
    await job('j_live', live);
    expect(await evalAfterTraining(env.db, 'j_live')).toEqual({ saeId: final.id, modelId: 'm1', hook: HOOK, source: tokens, contextSize: 32, maxTokens: AFTER_TRAINING_TOKENS, batchContexts: 16, backend: 'auto' });
    await job('j_stopped', live, { stopped: true });
    expect(await evalAfterTraining(env.db, 'j_stopped')).toBeUndefined();
    await job('j_acts', { type: 'activations', setId: 'set1' });
    expect(await evalAfterTraining(env.db, 'j_acts')).toBeUndefined();
  });
});
