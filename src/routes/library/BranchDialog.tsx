// Branch: a new training run that starts from a checkpoint, with the hyperparameters that may
// change (steps, learning rate, k, batch, checkpoint interval); d_in and d_sae stay fixed.
import { useNavigate } from '@solidjs/router';
import { createSignal, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import type { TrainParams, TrainSource } from '../../jobs/kinds/train';
import type { ProbeSpec } from '../../replay/probes';
import { resolveConfig, validateConfig, type SaeConfig } from '../../sae/config';
import { gpu } from '../../state/gpu';
import { newId } from '../../storage/db';
import type { LibraryRow } from './library';

interface BranchForm {
  name: string;
  totalSteps: number;
  lr: number;
  k: number;
  batchSize: number;
  checkpointEvery: number;
}

/** The checkpoint's run configuration, or defaults around an imported SAE's shape. */
function baseOf(row: LibraryRow): { config: SaeConfig; source: TrainSource; totalSteps: number; checkpointEvery: number; probes?: ProbeSpec } {
  const cfg = row.run?.config;
  if (cfg) {
    const { source, totalSteps, checkpointEvery, fromCheckpointId: _from, probes, ...rest } = cfg as Record<string, unknown>;
    return {
      config: rest as unknown as SaeConfig,
      source: source as TrainSource,
      totalSteps: Number(totalSteps),
      checkpointEvery: Number(checkpointEvery),
      ...(probes ? { probes: probes as ProbeSpec } : {}),
    };
  }
  const arch = row.arch as SaeConfig['arch'];
  const config = resolveConfig({ arch, dIn: row.dIn, dSae: row.dSae, ...(row.k ? { k: row.k } : {}) });
  return { config, source: { type: 'synthetic', nFeatures: row.dSae, seed: 0 }, totalSteps: 1000, checkpointEvery: 100 };
}

export function BranchDialog(props: { row: LibraryRow; onClose: () => void }) {
  const navigate = useNavigate();
  const base = baseOf(props.row);
  const topk = base.config.arch === 'topk' || base.config.arch === 'batchtopk';
  const [form, setForm] = createStore<BranchForm>({
    name: `${props.row.run?.name ?? props.row.checkpoint.name} · branch of ${props.row.checkpoint.name}`,
    totalSteps: base.totalSteps,
    lr: base.config.lr,
    k: base.config.k,
    batchSize: base.config.batchSize,
    checkpointEvery: base.checkpointEvery,
  });
  const [error, setError] = createSignal<string>();

  async function start() {
    setError(undefined);
    try {
      const config = resolveConfig({ ...base.config, lr: form.lr, k: form.k, batchSize: form.batchSize, totalSteps: form.totalSteps });
      validateConfig(config);
      const runId = newId('run');
      const params: TrainParams = {
        runId,
        name: form.name,
        config,
        source: base.source,
        totalSteps: form.totalSteps,
        checkpointEvery: form.checkpointEvery,
        fromCheckpointId: props.row.checkpoint.id,
        ...(base.probes ? { probes: base.probes } : {}),
      };
      await gpu().enqueue({ kind: 'train', params });
      props.onClose();
      navigate(`/runs/${runId}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  const num = (key: Exclude<keyof BranchForm, 'name'>, label: string, step = '1') => (
    <label class="field">
      <span class="field-label">{label}</span>
      <input type="number" step={step} name={`branch-${key}`} value={form[key]} onInput={(e) => setForm(key, Number(e.currentTarget.value))} />
    </label>
  );

  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <form
        class="modal modal-wide"
        role="dialog"
        aria-modal="true"
        aria-label="Branch a new run"
        data-testid="branch-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <h2>Branch a new run</h2>
        <p class="modal-body small">
          Starts from “{props.row.checkpoint.name}” ({props.row.arch}, d_in {props.row.dIn}, d_sae {props.row.dSae}) with its weights, Adam state and normalisation;
          the new run counts its own steps from 0.
        </p>
        <div class="form-grid">
          <label class="field field-wide">
            <span class="field-label">Run name</span>
            <input name="branch-name" value={form.name} onInput={(e) => setForm('name', e.currentTarget.value)} />
          </label>
          {num('totalSteps', 'Total steps')}
          {num('lr', 'Learning rate', 'any')}
          <Show when={topk}>{num('k', 'k (active per token)')}</Show>
          {num('batchSize', 'Batch (tokens per step)')}
          {num('checkpointEvery', 'Checkpoint every (steps)')}
        </div>
        <Show when={error()}>
          <div class="banner banner-err" role="alert">
            {error()}
          </div>
        </Show>
        <div class="btn-row end modal-actions">
          <button type="button" class="btn" onClick={() => props.onClose()}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" data-testid="branch-start">
            Start branch
          </button>
        </div>
      </form>
    </div>
  );
}
