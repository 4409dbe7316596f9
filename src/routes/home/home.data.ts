// The home page's data: what this machine holds at each step of the workflow (read from Dexie,
// observed with liveQuery), the newest runs, and the progress of the one-click demo.
import type { AnalyzeParams } from '../../jobs/kinds/analyze';
import type { IngestParams } from '../../jobs/kinds/ingest';
import type { TokenizeParams } from '../../jobs/kinds/tokenize';
import type { TrainParams } from '../../jobs/kinds/train';
import { readyAnalysis } from '../../storage/analyses';
import { latestCheckpoint } from '../../storage/checkpoints';
import type { JobRecord, LanternDb, RunRecord } from '../../storage/db';
import type { DemoPlan } from './demo';

/** Where the demo's plan is kept, so its progress survives a reload. */
export const DEMO_PLAN_KEY = 'demo.plan';

/** A run's dashboard. */
export function runHref(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}

export interface WorkflowCounts {
  /** Ready datasets, and those still importing. */
  datasets: number;
  importing: number;
  models: number;
  tokenizations: number;
  activationSets: number;
  /** Runs trained on live extraction (their activations were computed, not stored). */
  liveRuns: number;
  runs: number;
  runsDone: number;
  /** Finished feature analyses (one per analysed SAE). */
  analyses: number;
  /** Saved steering presets. */
  steeringPresets: number;
}

export async function workflowCounts(db: LanternDb): Promise<WorkflowCounts> {
  const [datasets, models, tokenizations, activationSets, runs, analyses, steeringPresets] = await Promise.all([
    db.datasets.toArray(),
    db.models.count(),
    db.tokenizations.filter((t) => t.status === 'ready').count(),
    db.activationSets.where('status').equals('ready').count(),
    db.runs.toArray(),
    db.analyses.where('status').equals('ready').count(),
    db.templates.where('kind').equals('steering').count(),
  ]);
  return {
    datasets: datasets.filter((d) => d.status === 'ready').length,
    importing: datasets.filter((d) => d.status === 'ingesting').length,
    models,
    tokenizations,
    activationSets,
    liveRuns: runs.filter((r) => (r.config.source as { type?: string } | undefined)?.type === 'live').length,
    runs: runs.length,
    runsDone: runs.filter((r) => r.status === 'done').length,
    analyses,
    steeringPresets,
  };
}

export type StepStatus = 'done' | 'todo';

export interface WorkflowStep {
  key: string;
  title: string;
  what: string;
  status: StepStatus;
  /** This machine's state in a few words: "2 datasets", "no model yet". */
  state: string;
  href: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The seven steps, dataset → replay, each with its state on this machine and a link to its page. */
export function workflowSteps(c: WorkflowCounts): WorkflowStep[] {
  const activations = [
    c.activationSets ? plural(c.activationSets, 'activation set') : '',
    c.liveRuns ? `computed live for ${plural(c.liveRuns, 'run')}` : '',
    c.tokenizations ? plural(c.tokenizations, 'tokenization') : '',
  ].filter(Boolean);
  return [
    {
      key: 'dataset',
      title: 'Dataset',
      what: 'Import text: local files, a Hugging Face dataset, or the demo corpus; tokenize it.',
      status: c.datasets ? 'done' : 'todo',
      state: c.datasets ? plural(c.datasets, 'dataset') + (c.importing ? ` · ${c.importing} importing` : '') : c.importing ? `${c.importing} importing` : 'no dataset yet',
      href: '/datasets',
    },
    {
      key: 'model',
      title: 'Model',
      what: 'An ONNX language model from the Hub, or the built-in demo GPT-2.',
      status: c.models ? 'done' : 'todo',
      state: c.models ? plural(c.models, 'model') : 'no model yet',
      href: '/models',
    },
    {
      key: 'activations',
      title: 'Activations',
      what: 'Run the model over the tokens and read a hook point, stored or live.',
      status: c.activationSets || c.liveRuns ? 'done' : 'todo',
      state: activations.length ? activations.join(' · ') : 'no activations yet',
      href: '/extraction',
    },
    {
      key: 'sae',
      title: 'SAE',
      what: 'Train a sparse autoencoder on them with WebGPU kernels, live metrics and checkpoints.',
      status: c.runsDone ? 'done' : 'todo',
      state: c.runs ? `${plural(c.runs, 'run')}, ${c.runsDone.toLocaleString('en-US')} finished` : 'no SAE yet',
      href: '/training',
    },
    {
      key: 'features',
      title: 'Features',
      what: 'Analyse an SAE: top-activating contexts, histograms and logit effects of every latent.',
      status: c.analyses ? 'done' : 'todo',
      state: c.analyses ? plural(c.analyses, 'analysed SAE') : 'no analysis yet',
      href: '/features',
    },
    {
      key: 'steering',
      title: 'Steering',
      what: 'Steer the model with latents (add, clamp or cap) and compare default and steered text.',
      status: c.steeringPresets ? 'done' : 'todo',
      state: c.steeringPresets ? plural(c.steeringPresets, 'steering preset') : 'no preset yet',
      href: '/steering',
    },
    {
      key: 'replay',
      title: 'Replay',
      what: "Scrub any run back to any step: its curves, histograms, latents and probe texts as they were.",
      status: c.runsDone ? 'done' : 'todo',
      state: c.runs ? `${plural(c.runs, 'run')} to replay` : 'no run yet',
      href: '/runs',
    },
  ];
}

/** The newest runs, for the home page. */
export function recentRuns(db: LanternDb, limit = 5): Promise<RunRecord[]> {
  return db.runs.orderBy('createdAt').reverse().limit(limit).toArray();
}

export type DemoStepStatus = 'done' | 'running' | 'queued' | 'paused' | 'failed' | 'cancelled' | 'missing';

export interface DemoStepView {
  key: 'dataset' | 'model' | 'tokenization' | 'run' | 'features';
  label: string;
  status: DemoStepStatus;
  /** 0..1 while its job runs. */
  progress?: number;
  detail?: string;
}

export interface DemoProgress {
  plan: DemoPlan;
  steps: DemoStepView[];
  /** Set once training has started: the run's dashboard can open. */
  runExists: boolean;
  /** The run's final checkpoint, once its feature analysis is ready: its feature list can open. */
  featuresSaeId?: string;
  /** Every step is done, the analysis included. */
  done: boolean;
}

/** A feature list. */
export function featuresHref(saeId: string): string {
  return `/features/${encodeURIComponent(saeId)}`;
}

function fromJob(job: JobRecord | undefined, ready: boolean): Pick<DemoStepView, 'status' | 'progress' | 'detail'> {
  if (ready) return { status: 'done' };
  if (!job) return { status: 'missing' };
  const status = job.status === 'done' ? 'done' : job.status;
  return { status, progress: job.progress, detail: job.status === 'failed' ? job.error?.message : job.message };
}

/** The demo's steps as they stand, from the plan its last click saved; undefined before any click. */
export async function demoProgress(db: LanternDb): Promise<DemoProgress | undefined> {
  const plan = (await db.settings.get(DEMO_PLAN_KEY))?.value as DemoPlan | undefined;
  if (!plan) return undefined;
  const [dataset, model, tokenization, run, jobs] = await Promise.all([
    db.datasets.get(plan.datasetId),
    db.models.get(plan.modelId),
    db.tokenizations.get(plan.tokenizationId),
    db.runs.get(plan.runId),
    db.jobs.toArray(),
  ]);
  const newest = (match: (j: JobRecord) => boolean) => jobs.filter(match).sort((a, b) => b.createdAt - a.createdAt)[0];
  const ingest = newest((j) => j.kind === 'ingest' && (j.params as IngestParams).datasetId === plan.datasetId);
  const tokenize = newest((j) => j.kind === 'tokenize' && (j.params as TokenizeParams).tokenizationId === plan.tokenizationId);
  const train = newest((j) => j.kind === 'train' && (j.params as TrainParams).runId === plan.runId);
  const analyze = newest((j) => j.kind === 'analyze' && (j.params as AnalyzeParams).analysisId === plan.analysisId);
  const trainParams = train?.params as TrainParams | undefined;
  // A later re-run replaces the analysis the plan names, so "ready" is asked of the final checkpoint.
  const final = run?.status === 'done' ? await latestCheckpoint(db, run.id) : undefined;
  const analysis = final && (await readyAnalysis(db, final.id));
  const steps: DemoStepView[] = [
    { key: 'dataset', label: 'Import the demo corpus', ...fromJob(ingest, dataset?.status === 'ready') },
    { key: 'model', label: 'Add the demo model', status: model ? 'done' : 'missing', detail: model?.repo },
    { key: 'tokenization', label: "Tokenize with the model's own tokenizer", ...fromJob(tokenize, tokenization?.status === 'ready') },
    {
      key: 'run',
      label: 'Train a TopK SAE on live activations',
      ...fromJob(train, run?.status === 'done'),
      ...(run?.finalMetrics
        ? { detail: `explained variance ${run.finalMetrics.explainedVariance?.toFixed(3)} · L0 ${run.finalMetrics.l0?.toFixed(1)}` }
        : trainParams?.source.type === 'live'
          ? { detail: train?.message ?? `${trainParams.source.hook}, ${trainParams.config.dSae} latents, k = ${trainParams.config.k}` }
          : {}),
    },
    {
      key: 'features',
      label: "Analyse the final checkpoint's features",
      ...fromJob(analyze, Boolean(analysis)),
      ...(analysis ? { detail: `${analysis.dSae.toLocaleString('en-US')} latents over ${analysis.tokens.toLocaleString('en-US')} tokens` } : {}),
    },
  ];
  return { plan, steps, runExists: Boolean(run), featuresSaeId: analysis ? analysis.saeId : undefined, done: Boolean(analysis) };
}
