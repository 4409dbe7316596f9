// The analyze job through the real queue on fake-indexeddb (CPU encoder, ORT WASM), with the
// fixture GPT-2 from the Hub mirror and a planted SAE in the library: the stored feature is the
// planted one; paused and resumed it stores what one run stores; bad input stores nothing; a
// corrupted chunk is reported on read.
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { PLANTED_TEXT, plantedSae } from '../../features/testing';
import { FIXTURE_ORG } from '../../lm/fixtures/repos';
import { encodeCheckpoint } from '../../sae/checkpointCodec';
import { stateFromWeights } from '../../sae/formats/state';
import type { SaeWeights } from '../../sae/types';
import { readFeature, readSummary, readyAnalysis } from '../../storage/analyses';
import { writeCheckpoint } from '../../storage/checkpoints';
import type { JobRecord } from '../../storage/db';
import { fixtureModelQueue, settled as settledIn, storeImportedSae, withControlPoint } from '../testing';
import type { JobKind } from '../types';
import { analyzeJob, type AnalyzeParams, type AnalyzeState, resolveAnalysisSae } from './analyze';

const REPO = `${FIXTURE_ORG}/tiny-gpt2`;
const HOOK = 'blocks.1.hook_resid_post';
const planted = plantedSae({ hook: HOOK, dSae: 70, latent: 66, token: 262, contextSize: 16 });

const env = fixtureModelQueue('tiny-gpt2', REPO, () => [kind.kind as unknown as JobKind]);
const kind = withControlPoint(analyzeJob, () => env.queue);
let saeId: string;

const storeSae = (weights: SaeWeights, name: string) => storeImportedSae(env.db, weights, name, { repo: REPO, hook: HOOK, layer: 1 });

beforeEach(async () => {
  saeId = await storeSae(planted.weights, 'planted');
});

/** Generous: the model runs on the CPU, which other work may share; nothing here asserts a time. */
const settled = (id: string, statuses?: JobRecord['status'][]) => settledIn(env.db, id, statuses, 240_000);

const params = (over: Partial<AnalyzeParams> = {}): AnalyzeParams => ({
  analysisId: 'an_1',
  saeId,
  modelId: 'm1',
  hook: HOOK,
  source: { type: 'text', text: PLANTED_TEXT.repeat(2) },
  contextSize: 16,
  maxTokens: 0,
  windowRadius: 4,
  batchContexts: 2,
  backend: 'wasm',
  ...over,
});

describe('analyze job', () => {
  it('stores the planted latent: its contexts, density and label, in a ready analysis of the SAE', async () => {
    const job = await settled(await env.queue.enqueue({ kind: 'analyze', params: params() }));
    expect(job.status, job.error?.message).toBe('done');
    const record = (await readyAnalysis(env.db, saeId))!;
    expect(record).toMatchObject({ id: 'an_1', dSae: 70, dIn: 48, contexts: planted.contexts, tokens: planted.tokens.length, blocks: 2, encoder: 'cpu', unembedding: 'lm_head.weight' });
    const f = await readFeature(env.db, record, planted.latent);
    expect(f.top.map((e) => `${e.context}:${e.position}`).sort()).toEqual(planted.occurrences.map((o) => `${o.context}:${o.position}`).sort());
    expect(f.density).toBe(planted.occurrences.length / planted.tokens.length);
    const summary = await readSummary(env.db, record);
    expect(summary.rows).toHaveLength(70);
    expect(summary.rows[planted.latent].autoLabel).toMatch(/^“the”/);
    expect(summary.vocab[262]).toBe(' the');
    expect(summary.rows.every((r) => Number.isFinite(r.x) && Number.isFinite(r.y))).toBe(true);
    expect(await env.db.analysisChunks.count()).toBe(4);
  });

  it('paused mid-way and resumed from its snapshot stores exactly what one run stores', async () => {
    const one = await settled(await env.queue.enqueue({ kind: 'analyze', params: params({ analysisId: 'whole', batchContexts: 1 }) }));
    expect(one.status).toBe('done');
    const whole = (await env.db.analysisChunks.where('ownerId').equals('whole').toArray()).map((r) => r.sha256);
    expect(whole).toHaveLength(4);
    kind.after(1, 'pause');
    const id = await env.queue.enqueue({ kind: 'analyze', params: params({ analysisId: 'split', batchContexts: 1 }) });
    const paused = await settled(id, ['paused', 'done']);
    expect(paused.status).toBe('paused');
    expect((paused.state as AnalyzeState).phase).not.toBe('assemble');
    expect((await env.db.analyses.get('split'))?.status).toBe('running');
    await env.queue.resume(id);
    expect((await settled(id)).status).toBe('done');
    const split = (await env.db.analysisChunks.where('ownerId').equals('split').toArray()).map((r) => r.sha256);
    expect(split).toEqual(whole);
    // The later analysis of the same SAE replaced the earlier one.
    expect(await env.db.analyses.get('whole')).toBeUndefined();
  });

  it("a run's final checkpoint is resolved when the job starts: the newest step's, refused while the run is unfinished or gone", async () => {
    const payload = encodeCheckpoint(stateFromWeights(planted.weights, 'relu'), {});
    await env.db.runs.put({ id: 'run_a', name: 'demo-topk', config: {}, status: 'running', step: 150, createdAt: 1 });
    const early = await writeCheckpoint(env.db, 'run_a', 100, payload);
    await expect(resolveAnalysisSae(env.db, { runId: 'run_a' })).rejects.toMatchObject({ code: 'run-not-finished', message: expect.stringContaining('Run "demo-topk" is running') });
    await expect(resolveAnalysisSae(env.db, { runId: 'run_gone' })).rejects.toMatchObject({ code: 'run-missing' });
    const final = await writeCheckpoint(env.db, 'run_a', 200, payload);
    await env.db.runs.update('run_a', { status: 'done', step: 200 });
    expect(await resolveAnalysisSae(env.db, { runId: 'run_a' })).toBe(final.id);
    expect(final.id).not.toBe(early.id);
    expect(await resolveAnalysisSae(env.db, { saeId: 'ck_given' })).toBe('ck_given');
  });

  it('an analysis queued for a run before it finished reads its final checkpoint, and is refused with nothing stored if it did not finish', async () => {
    await env.db.runs.put({ id: 'run_b', name: 'later', config: {}, status: 'queued', step: 0, createdAt: 1 });
    const byRun = params({ saeId: undefined, runId: 'run_b' });
    expect(() => analyzeJob.validate({ ...byRun, saeId })).toThrow('Name either the SAE checkpoint (saeId) or the training run');
    const refused = await settled(await env.queue.enqueue({ kind: 'analyze', params: byRun }));
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatchObject({ code: 'run-not-finished', message: 'Run "later" is queued, so it has no final checkpoint yet; retry this analysis once the run has finished.' });
    expect(await env.db.analyses.count()).toBe(0);

    const final = await writeCheckpoint(env.db, 'run_b', 40, encodeCheckpoint(stateFromWeights(planted.weights, 'relu'), {}));
    await env.db.runs.update('run_b', { status: 'done', step: 40 });
    const job = await settled(await env.queue.enqueue({ kind: 'analyze', params: byRun }));
    expect(job.status, job.error?.message).toBe('done');
    expect(job.title).toBe(`Analyse features of later (final checkpoint) at ${HOOK}`);
    expect((job.state as AnalyzeState).saeId).toBe(final.id);
    const record = (await readyAnalysis(env.db, final.id))!;
    expect(record.id).toBe('an_1');
    expect((await readFeature(env.db, record, planted.latent)).density).toBe(planted.occurrences.length / planted.tokens.length);
  });

  it('refuses an SAE whose d_in is not the hook’s width, storing nothing', async () => {
    const narrow = plantedSae({ hook: HOOK, dSae: 5, latent: 1, token: 262, contextSize: 16 }).weights;
    const wide: SaeWeights = { ...narrow, dIn: 16, W_enc: narrow.W_enc.slice(0, 16 * 5), W_dec: narrow.W_dec.slice(0, 5 * 16), b_dec: new Float32Array(16) };
    const job = await settled(await env.queue.enqueue({ kind: 'analyze', params: params({ saeId: await storeSae(wide, 'narrow') }) }));
    expect(job.status).toBe('failed');
    expect(job.error?.message).toContain('The SAE reads d_in = 16 activations, but blocks.1.hook_resid_post of lantern-fixtures/tiny-gpt2 has width 48');
    expect(await env.db.analyses.count()).toBe(0);
    expect(await env.db.analysisChunks.count()).toBe(0);
  });

  it('refuses an empty tokenization, storing nothing', async () => {
    await env.db.tokenizations.put({ id: 'tok_empty', datasetId: 'ds', modelId: 'x', contextSize: 16, tokens: 0, status: 'ready', createdAt: 1, dtype: 'uint16', sequences: 0 });
    const job = await settled(await env.queue.enqueue({ kind: 'analyze', params: params({ source: { type: 'tokenization', tokenizationId: 'tok_empty', datasetId: 'ds' } }) }));
    expect(job.status).toBe('failed');
    expect(job.error?.message).toContain('The tokenization has no complete context to analyse');
    expect(await env.db.analyses.count()).toBe(0);
  });

  it('reports a corrupted stored block on read, naming what to do', async () => {
    expect((await settled(await env.queue.enqueue({ kind: 'analyze', params: params() }))).status).toBe('done');
    const row = (await env.db.analysisChunks.get(['an_1', 1]))!;
    const bytes = new Uint8Array(row.bytes.slice(0));
    bytes[10] ^= 0x20;
    await env.db.analysisChunks.put({ ...row, bytes: bytes.buffer });
    const record = (await readyAnalysis(env.db, saeId))!;
    await expect(readFeature(env.db, record, 3)).rejects.toThrow('The stored feature analysis is corrupted (SHA-256 mismatch) (chunk 1); delete it and run the analysis again.');
  });
}, 300_000);
