// Training: configure an SAE run (validated field by field, with a memory estimate against
// this device) and start it as a job; its dashboard opens on the run's own page (/runs/:id).
import { A, useNavigate, useSearchParams } from '@solidjs/router';
import { createEffect, createMemo, For, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { TemplatesPanel } from '../../components/TemplatesPanel';
import { act, gpu, report } from '../../state/gpu';
import { createSavedForm } from '../../state/savedForm';
import { createLive } from '../../state/live';
import { getDb, newId, type ActivationSetRecord, type JobPriority, type ModelRecord, type RunRecord } from '../../storage/db';
import { formatBytes } from '../../storage/persistence';
import { ARCHITECTURES } from '../../sae/types';
import { DEAD_WINDOW_DEFAULT, DEFAULT_FORM, PROBE_SYNTHETIC_COUNT, dSaeOf, estimateMemory, fieldLabel, SAELENS_DEFAULTS_HINT, suggestRunName, toParams, validateForm, type RunSourceLabel, type TrainForm } from './form';
import { Field } from '../../components/Field';

type NumKey = { [K in keyof TrainForm]: TrainForm[K] extends number ? K : never }[keyof TrainForm];

const ARCH_LABEL: Record<string, string> = { relu: 'ReLU + L1', topk: 'TopK (+AuxK)', batchtopk: 'BatchTopK', jumprelu: 'JumpReLU' };

export function TrainingPage() {
  const [params] = useSearchParams<{ run?: string }>();
  const navigate = useNavigate();
  // Old links to a run's dashboard (/training?run=…) open its page.
  if (params.run) navigate(`/runs/${params.run}`, { replace: true });
  const [form, setForm] = createSavedForm<TrainForm>('lantern.form.training', DEFAULT_FORM);
  // The run name follows the source until the user types one.
  const [prefs, setPrefs] = createSavedForm('lantern.form.training.prefs', { priority: 'normal' as JobPriority, nameEdited: false });
  const [ui, setUi] = createStore({ showErrors: false });
  const runs = createLive<RunRecord[]>(() => getDb().runs.orderBy('createdAt').reverse().toArray());
  const sets = createLive<ActivationSetRecord[]>(() => getDb().activationSets.where('status').equals('ready').toArray());
  const models = createLive<ModelRecord[]>(() => getDb().models.toArray());
  const hookPoints = () => ((models()?.find((m) => m.id === form.liveModelId)?.summary as { hookPoints?: string[] } | undefined)?.hookPoints ?? []);
  const limits = () => report()?.adapter?.limits;
  const errors = createMemo(() => validateForm({ ...form }, limits()));
  const shown = (k: keyof TrainForm) => (ui.showErrors ? errors()[k] : undefined);
  const label = (k: keyof TrainForm) => fieldLabel(form, k);
  const memory = createMemo(() => estimateMemory({ ...form }, limits()));
  const canStart = () => report()?.webgpu === true;
  const sourceLabel = (): RunSourceLabel | undefined => {
    if (form.sourceType === 'activations') {
      const set = sets()?.find((a) => a.id === form.setId);
      return set && { model: set.model ?? set.modelId, hook: set.hook };
    }
    const model = models()?.find((m) => m.id === form.liveModelId);
    return model && form.liveHook ? { model: model.repo, hook: form.liveHook } : undefined;
  };
  // A remembered activation set or model that is gone is forgotten.
  createEffect(() => {
    if (sets() && form.setId && !sets()!.some((a) => a.id === form.setId)) setForm('setId', '');
    if (models() && form.liveModelId && !models()!.some((m) => m.id === form.liveModelId)) setForm({ liveModelId: '', liveHook: '' });
  });
  createEffect(() => {
    if (!prefs.nameEdited) setForm('name', suggestRunName({ ...form }, sourceLabel()));
  });

  const num = (key: NumKey, opts: { step?: string; hint?: string } = {}) => (
    <Field label={label(key)} error={shown(key)} hint={opts.hint}>
      <input
        type="number"
        step={opts.step ?? '1'}
        name={key}
        value={form[key]}
        onInput={(e) => setForm(key, e.currentTarget.value === '' ? Number.NaN : Number(e.currentTarget.value))}
      />
    </Field>
  );

  async function start() {
    setUi('showErrors', true);
    if (Object.keys(errors()).length) return;
    const runId = newId('run');
    await act('start training', async () => {
      await gpu().enqueue({ kind: 'train', params: toParams({ ...form }, runId), priority: prefs.priority });
      setUi('showErrors', false);
      navigate(`/runs/${runId}`);
    });
  }

  return (
    <section class="page">
      <h1>Training</h1>
      <div class="grid-train">
        <form
          class="card train-form"
          data-testid="train-form"
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <h2>New run</h2>
          <div class="form-grid">
            <Field label={label('name')} error={shown('name')}>
              <input
                name="name"
                value={form.name}
                onInput={(e) => {
                  setPrefs('nameEdited', true);
                  setForm('name', e.currentTarget.value);
                }}
              />
            </Field>
            <Field label={label('arch')} error={shown('arch')}>
              <select name="arch" value={form.arch} onChange={(e) => setForm('arch', e.currentTarget.value as TrainForm['arch'])}>
                <For each={[...ARCHITECTURES]}>{(a) => <option value={a}>{ARCH_LABEL[a]}</option>}</For>
              </select>
            </Field>
            <Field label={label('conventions')} error={shown('conventions')} hint={form.conventions === 'saelens' ? SAELENS_DEFAULTS_HINT : 'No gradient clipping, AuxK coefficient 1/32, dead-feature window in tokens.'}>
              <select
                name="conventions"
                value={form.conventions}
                onChange={(e) => {
                  const conventions = e.currentTarget.value as TrainForm['conventions'];
                  setForm({ conventions, deadFeatureWindow: DEAD_WINDOW_DEFAULT[conventions] });
                }}
              >
                <option value="lantern">Lantern</option>
                <option value="saelens">SAELens defaults</option>
              </select>
            </Field>
          </div>
          <fieldset>
            <legend>Activation source</legend>
            <div class="form-grid">
              <Field label={label('sourceType')}>
                <select name="sourceType" value={form.sourceType} onChange={(e) => setForm('sourceType', e.currentTarget.value as TrainForm['sourceType'])}>
                  <option value="synthetic">synthetic ground truth</option>
                  <option value="activations">stored activation set</option>
                  <option value="live">live extraction from a model</option>
                </select>
              </Field>
              <Show when={form.sourceType === 'activations'}>
                <Field label={label('setId')} error={shown('setId')} hint={sets()?.length ? undefined : 'None yet: extract one on the Extraction page.'}>
                  <select
                    name="setId"
                    value={form.setId}
                    onChange={(e) => {
                      const set = sets()?.find((a) => a.id === e.currentTarget.value);
                      setForm({ setId: e.currentTarget.value, ...(set ? { dIn: set.dModel } : {}) });
                    }}
                  >
                    <option value="">choose…</option>
                    <For each={sets() ?? []}>{(a) => <option value={a.id}>{`${a.modelId} · ${a.hook} · ${a.tokens} × ${a.dModel}`}</option>}</For>
                  </select>
                </Field>
              </Show>
              <Show when={form.sourceType === 'live'}>
                <Field label={label('liveModelId')} error={shown('liveModelId')} hint={models()?.length ? undefined : 'None yet: add one on the Models page.'}>
                  <select
                    name="liveModelId"
                    value={form.liveModelId}
                    onChange={(e) => {
                      const model = models()?.find((m) => m.id === e.currentTarget.value);
                      const summary = model?.summary as { dModel?: number } | undefined;
                      setForm({ liveModelId: e.currentTarget.value, liveHook: '', ...(summary?.dModel ? { dIn: summary.dModel } : {}) });
                    }}
                  >
                    <option value="">choose…</option>
                    <For each={models() ?? []}>{(m) => <option value={m.id}>{`${m.repo} (${m.variant})`}</option>}</For>
                  </select>
                </Field>
                <Field label={label('liveHook')} error={shown('liveHook')}>
                  <select name="liveHook" value={form.liveHook} onChange={(e) => setForm('liveHook', e.currentTarget.value)}>
                    <option value="">choose…</option>
                    <For each={hookPoints()}>{(h) => <option value={h}>{h}</option>}</For>
                  </select>
                </Field>
                {num('liveContextSize')}
                {num('liveContexts')}
              </Show>
              <Show when={form.sourceType === 'synthetic'}>
                {num('dIn')}
                {num('nFeatures')}
                {num('sparsity', { step: 'any' })}
                {num('noise', { step: 'any' })}
              </Show>
              {num('sourceSeed')}
            </div>
            <Show when={form.sourceType === 'live'}>
              <Field label={label('liveText')} error={shown('liveText')} hint="Activations are computed on the fly as training needs them; nothing is stored.">
                <textarea name="liveText" rows="3" value={form.liveText} onInput={(e) => setForm('liveText', e.currentTarget.value)} />
              </Field>
            </Show>
            <Show when={form.sourceType === 'synthetic'}>
              <p class="muted small">
                Synthetic ground truth: sparse combinations of known directions, so feature recovery is measurable. Probes: {PROBE_SYNTHETIC_COUNT} samples of known features
                (frequent, paired, rare), replayed with the run.
              </p>
            </Show>
            <Show when={form.sourceType !== 'synthetic'}>
              <Field label={label('probeTexts')} error={shown('probeTexts')} hint="One per line, up to 16; the SAE's reconstruction of each is recorded at every snapshot. Empty: 3 samples of the run's dataset (none when an activation set does not record its text).">
                <textarea name="probeTexts" rows="3" value={form.probeTexts} onInput={(e) => setForm('probeTexts', e.currentTarget.value)} />
              </Field>
            </Show>
          </fieldset>
          <fieldset>
            <legend>Sparse autoencoder</legend>
            <div class="form-grid">
              <Field label={label('sizeMode')}>
                <select value={form.sizeMode} onChange={(e) => setForm('sizeMode', e.currentTarget.value as TrainForm['sizeMode'])}>
                  <option value="dSae">d_sae</option>
                  <option value="expansion">expansion factor</option>
                </select>
              </Field>
              <Show when={form.sizeMode === 'dSae'} fallback={num('expansion', { step: 'any', hint: `d_sae = ${dSaeOf({ ...form })}` })}>
                {num('dSae')}
              </Show>
              <Show when={form.arch === 'topk' || form.arch === 'batchtopk'}>{num('k')}</Show>
              <Show when={form.arch === 'relu' || form.arch === 'jumprelu'}>
                {num('sparsityCoefficient', { step: 'any' })}
                {num('sparsityWarmupSteps')}
              </Show>
              <Field label={label('normalizeActivations')}>
                <select value={form.normalizeActivations} onChange={(e) => setForm('normalizeActivations', e.currentTarget.value as TrainForm['normalizeActivations'])}>
                  <option value="none">none</option>
                  <option value="expected_average_only_in">expected_average_only_in</option>
                </select>
              </Field>
              {num('deadFeatureWindow')}
            </div>
          </fieldset>
          <fieldset>
            <legend>Optimisation</legend>
            <div class="form-grid">
              {num('batchSize')}
              {num('totalSteps', { hint: `${(form.totalSteps * form.batchSize).toLocaleString()} tokens` })}
              {num('lr', { step: 'any' })}
              {num('lrWarmupSteps')}
              <Field label={label('lrDecay')}>
                <select value={form.lrDecay} onChange={(e) => setForm('lrDecay', e.currentTarget.value as TrainForm['lrDecay'])}>
                  <option value="constant">constant</option>
                  <option value="linear">linear</option>
                  <option value="cosine">cosine</option>
                </select>
              </Field>
              {num('checkpointEvery')}
              {num('seed')}
              <Field label="Priority">
                <select value={prefs.priority} onChange={(e) => setPrefs('priority', e.currentTarget.value as JobPriority)}>
                  <option value="high">high</option>
                  <option value="normal">normal</option>
                  <option value="low">low</option>
                </select>
              </Field>
            </div>
          </fieldset>
          <div class="memory" data-testid="memory-estimate" classList={{ over: Boolean(errors().dSae || errors().batchSize) }}>
            GPU memory ≈ <b>{formatBytes(memory().totalBytes)}</b> (weights, gradients and Adam {formatBytes(memory().parameterBytes)}; activations{' '}
            {formatBytes(memory().activationBytes)}); largest buffer {formatBytes(memory().largestBufferBytes)} of{' '}
            {formatBytes(limits()?.maxStorageBufferBindingSize)} allowed
            <Show when={memory().shards > 1}>, with the latents split into {memory().shards} shards</Show>.
          </div>
          <Show when={ui.showErrors && errors().form}>
            <div class="banner banner-err">{errors().form}</div>
          </Show>
          <div class="btn-row end">
            <button class="btn btn-primary" type="submit" data-testid="start-training" disabled={!canStart()} title={canStart() ? '' : 'Needs WebGPU'}>
              Start training
            </button>
          </div>
        </form>
        <div class="card runs-side">
          <TemplatesPanel kind="training" current={() => ({ ...form })} onLoad={(body) => setForm({ ...DEFAULT_FORM, ...(body as Partial<TrainForm>) })} />
          <h2>Runs</h2>
          <ul class="run-list" data-testid="run-list">
            <For each={runs() ?? []} fallback={<li class="muted">No runs yet.</li>}>
              {(r) => (
                <li>
                  <A class="run-item" href={`/runs/${r.id}`}>
                    <span>{r.name}</span>
                    <span class="muted small mono">
                      {String(r.config.arch)} · {String(r.config.dSae)}
                    </span>
                  </A>
                </li>
              )}
            </For>
          </ul>
        </div>
      </div>
    </section>
  );
}
