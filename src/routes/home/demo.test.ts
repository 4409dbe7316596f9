// The one-click demo through the real queue on fake-indexeddb, with the demo model served by a
// local Hub mirror: it queues every step once, a second click reuses what exists or is queued,
// its tokenization has the demo model's own vocabulary, and its analysis reads the run's final checkpoint.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHubMirror, type HubMirror } from '../../../scripts/hub-mirror';
import { PLANTED_TEXT, plantedSae } from '../../features/testing';
import { analyzeJob, type AnalyzeParams, type AnalyzeState } from '../../jobs/kinds/analyze';
import { ingestJob } from '../../jobs/kinds/ingest';
import { tokenizeJob } from '../../jobs/kinds/tokenize';
import { trainJob, type TrainParams } from '../../jobs/kinds/train';
import { checkTokenizationFits } from '../../jobs/kinds/vocabCheck';
import type { JobQueue } from '../../jobs/queue';
import { cpuQueue, settled } from '../../jobs/testing';
import { demoCorpusJsonl, generateDemoCorpus } from '../../data/demoCorpus';
import type { JobKind } from '../../jobs/types';
import { fixture, useNodeWasm } from '../../lm/testing';
import { encodeCheckpoint } from '../../sae/checkpointCodec';
import { stateFromWeights } from '../../sae/formats/state';
import { readFeature, readyAnalysis } from '../../storage/analyses';
import { writeCheckpoint } from '../../storage/checkpoints';
import { DEMO_MODEL_REPO, downloadModel } from '../../state/models';
import { getDb, type JobRecord } from '../../storage/db';
import { DEMO_ANALYSIS_TOKENS, DEMO_RUN_NAME, runDemo, type DemoEnv } from './demo';
import { DEMO_PLAN_KEY, demoProgress, workflowCounts, workflowSteps } from './home.data';

let mirror: HubMirror;
let queue: JobQueue;
const db = getDb();

beforeAll(async () => {
  useNodeWasm();
  mirror = await startHubMirror({ repos: { [DEMO_MODEL_REPO]: fixture('tiny-gpt2').files } });
});
afterAll(() => mirror.close());
beforeEach(async () => {
  await queue?.close();
  await Promise.all(db.tables.map((t) => t.clear()));
  queue = cpuQueue(db, [ingestJob, tokenizeJob, trainJob, analyzeJob] as unknown as JobKind[]);
});

const env = (): DemoEnv => ({
  db,
  enqueue: (req) => queue.enqueue(req),
  corpusFile: async () => new File([demoCorpusJsonl(generateDemoCorpus())], 'corpus.jsonl'),
  addModel: () => downloadModel({ repo: DEMO_MODEL_REPO, revision: 'main', dtype: 'fp32', host: mirror.url, demo: true }, () => {}),
});
const jobsInOrder = async () => (await db.jobs.toArray()).sort((a, b) => a.seq - b.seq);
const kinds = (jobs: JobRecord[]) => jobs.map((j) => j.kind);

describe('one-click demo', () => {
  it("queues import, tokenization, training and the analysis of the run's final checkpoint in that order, on the middle layer of the demo model", async () => {
    const plan = await runDemo(env());
    expect(plan.created).toEqual({ dataset: true, model: true, tokenization: true, run: true, analysis: true });
    const jobs = await jobsInOrder();
    expect(kinds(jobs)).toEqual(['ingest', 'tokenize', 'train', 'analyze']);
    expect(jobs[3].params).toMatchObject({ analysisId: plan.analysisId, runId: plan.runId, hook: 'blocks.1.hook_resid_pre', maxTokens: DEMO_ANALYSIS_TOKENS });
    expect((jobs[3].params as AnalyzeParams).saeId).toBeUndefined();
    const train = jobs[2].params as TrainParams;
    expect(train).toMatchObject({ runId: plan.runId, name: DEMO_RUN_NAME, config: { arch: 'topk', dIn: 48, dSae: 192 } });
    expect(train.source).toMatchObject({ type: 'live', modelId: plan.modelId, hook: 'blocks.1.hook_resid_pre', tokens: { tokenizationId: plan.tokenizationId } });
    expect((await db.models.get(plan.modelId))?.demo).toBe(true);

    // The home page's view of it: the model is there, every job waits.
    await db.settings.put({ key: DEMO_PLAN_KEY, value: plan });
    const progress = await demoProgress(db);
    expect(progress?.steps.map((s) => [s.key, s.status])).toEqual([
      ['dataset', 'queued'],
      ['model', 'done'],
      ['tokenization', 'queued'],
      ['run', 'queued'],
      ['features', 'queued'],
    ]);
    expect(progress?.runExists).toBe(false);
    expect(progress?.featuresSaeId).toBeUndefined();
  });

  it('a second click while the jobs wait reuses every step and queues nothing', async () => {
    const first = await runDemo(env());
    const second = await runDemo(env());
    expect(second).toEqual({ ...first, created: { dataset: false, model: false, tokenization: false, run: false, analysis: false } });
    expect(kinds(await jobsInOrder())).toEqual(['ingest', 'tokenize', 'train', 'analyze']);
    expect(await db.models.count()).toBe(1);
  });

  it('after the data steps finish, their results are reused; a cancelled run is replaced by a new one', async () => {
    const first = await runDemo(env());
    const [ingest, tokenize, train] = await jobsInOrder();
    await queue.cancel(train.id);
    queue.start();
    expect((await settled(db, ingest.id, undefined, 60_000)).status).toBe('done');
    expect((await settled(db, tokenize.id, undefined, 60_000)).status).toBe('done');
    await queue.close();
    await db.jobs.clear();

    const again = await runDemo(env());
    expect(again.created).toEqual({ dataset: false, model: false, tokenization: false, run: true, analysis: true });
    expect([again.datasetId, again.tokenizationId]).toEqual([first.datasetId, first.tokenizationId]);
    expect(again.runId).not.toBe(first.runId);
    expect(await db.datasets.count()).toBe(1);
    expect(await db.tokenizations.count()).toBe(1);

    // The tokenization carries the demo model's own vocabulary, so extraction accepts it.
    const tok = await db.tokenizations.get(again.tokenizationId);
    expect(tok).toMatchObject({ status: 'ready', tokenizerName: `${DEMO_MODEL_REPO} tokenizer`, vocab: { size: 278 } });
    await expect(checkTokenizationFits(db, again.tokenizationId, (await db.models.get(again.modelId))!)).resolves.toBeUndefined();

    // Home: data steps done, no SAE yet.
    const steps = workflowSteps(await workflowCounts(db));
    expect(steps.map((s) => [s.key, s.status, s.state])).toEqual([
      ['dataset', 'done', '1 dataset'],
      ['model', 'done', '1 model'],
      ['activations', 'todo', '1 tokenization'],
      ['sae', 'todo', 'no SAE yet'],
      ['features', 'todo', 'no analysis yet'],
      ['steering', 'todo', 'no preset yet'],
      ['replay', 'todo', 'no run yet'],
    ]);
  });

  it("once training has finished, the queued analysis reads the run's final checkpoint over the demo tokens; a second click reuses it and opens its features", async () => {
    const first = await runDemo(env());
    const [ingest, tokenize, train, analyze] = await jobsInOrder();
    // Training needs WebGPU, absent here: the run is finished as the train job finishes one (run 'done', checkpoints stored).
    await queue.cancel(train.id);
    const trainParams = train.params as TrainParams;
    await db.runs.put({ id: first.runId, name: DEMO_RUN_NAME, config: { ...trainParams.config, source: trainParams.source }, status: 'done', step: 200, createdAt: 1 });
    const planted = plantedSae({ hook: 'blocks.1.hook_resid_pre', dSae: 192, latent: 5, token: 262, contextSize: 16, text: PLANTED_TEXT });
    const payload = encodeCheckpoint(stateFromWeights(planted.weights, 'topk'), {});
    await writeCheckpoint(db, first.runId, 100, payload);
    const final = await writeCheckpoint(db, first.runId, 200, payload);
    queue.start();
    for (const job of [ingest, tokenize]) expect((await settled(db, job.id, undefined, 60_000)).status).toBe('done');
    const analysed = await settled(db, analyze.id, undefined, 240_000);
    expect(analysed.status, analysed.error?.message).toBe('done');
    expect((analysed.state as AnalyzeState).saeId).toBe(final.id);
    const record = (await readyAnalysis(db, final.id))!;
    expect(record).toMatchObject({ id: first.analysisId, hook: 'blocks.1.hook_resid_pre', dSae: 192, tokens: DEMO_ANALYSIS_TOKENS, source: { tokenizationId: first.tokenizationId } });
    expect((await readFeature(db, record, 0)).top.length).toBeGreaterThan(0);

    const again = await runDemo(env());
    expect(again).toEqual({ ...first, created: { dataset: false, model: false, tokenization: false, run: false, analysis: false } });
    expect(await db.jobs.count()).toBe(4);
    await db.settings.put({ key: DEMO_PLAN_KEY, value: again });
    const progress = (await demoProgress(db))!;
    expect(progress.steps.map((s) => [s.key, s.status])).toEqual([
      ['dataset', 'done'],
      ['model', 'done'],
      ['tokenization', 'done'],
      ['run', 'done'],
      ['features', 'done'],
    ]);
    expect(progress).toMatchObject({ done: true, featuresSaeId: final.id });
  });
});
