// Models: add one from the Hub (or the built-in demo model), list the downloaded ones with their
// architecture, open one for its full summary and hook points, delete one with its cached files.
import { useSearchParams } from '@solidjs/router';
import { createMemo, createSignal, For, Show } from 'solid-js';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { HOOK_KINDS } from '../../lm/hooks';
import { act } from '../../state/gpu';
import { createLive } from '../../state/live';
import { DEMO_MODEL_REPO, deleteModel, demoHost, summaryOf } from '../../state/models';
import { getDb, type ModelRecord } from '../../storage/db';
import { formatBytes } from '../../storage/persistence';
import { AddModel, createDownload, FileProgressList } from './AddModel';

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));

/** 124,439,808 → 124.4M */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function ModelDetail(props: { model: ModelRecord; onDeleted: () => void }) {
  const s = () => summaryOf(props.model);
  const [confirm, setConfirm] = createSignal(false);
  const layers = () => Array.from({ length: s().nLayers }, (_, l) => l);
  return (
    <div class="card model-detail" data-testid="model-detail" data-repo={props.model.repo}>
      <div class="card-head">
        <div>
          <h2>{props.model.repo}</h2>
          <p class="muted">
            {props.model.variant} · revision {props.model.revision} · <span class="mono">{props.model.onnxPath ?? ''}</span>
            {props.model.demo ? ' · built-in demo' : ''}
          </p>
        </div>
        <button class="btn btn-danger" data-testid="model-delete" onClick={() => setConfirm(true)}>
          Delete
        </button>
      </div>
      <div class="stat-tiles" data-testid="model-architecture">
        <For
          each={[
            ['Family', s().family, 'family'],
            ['Architecture', s().architecture ?? '—', 'architecture'],
            ['Layers', fmt(s().nLayers), 'layers'],
            ['d_model', fmt(s().dModel), 'd-model'],
            ['Heads', `${s().nHeads}${s().nKvHeads !== s().nHeads ? ` (${s().nKvHeads} KV)` : ''}`, 'heads'],
            ['d_head', fmt(s().dHead), 'd-head'],
            ['d_mlp', fmt(s().dMlp), 'd-mlp'],
            ['Vocabulary', fmt(s().vocabSize), 'vocab'],
            ['Context', fmt(s().nCtx), 'n-ctx'],
            ['Parameters', formatCount(s().parameterCount), 'params'],
            ['Graph dtype', s().graphDtype ?? '—', 'graph-dtype'],
            ['Size', formatBytes(props.model.bytes), 'size'],
          ]}
        >
          {([label, value, id]) => (
            <div class="stat-tile">
              <div class="stat-label">{label}</div>
              <div class="stat-value" data-testid={`arch-${id}`}>
                {value}
              </div>
            </div>
          )}
        </For>
      </div>
      <h3>Hook points</h3>
      <p class="muted small">TransformerLens names, found in the graph by its residual additions; extraction and steering attach here.</p>
      <table class="table table-compact hook-table" data-testid="hook-points" data-count={s().hookPoints.length}>
        <thead>
          <tr>
            <th>Block</th>
            <For each={[...HOOK_KINDS]}>{(k) => <th class="mono">{k}</th>}</For>
          </tr>
        </thead>
        <tbody>
          <For each={layers()}>
            {(l) => (
              <tr>
                <td class="num">{l}</td>
                <For each={[...HOOK_KINDS]}>
                  {(k) => (
                    <td>
                      <Show when={s().hookPoints.includes(`blocks.${l}.${k}`)}>
                        <span class="chip mono" data-testid="hook-point">
                          blocks.{l}.{k}
                        </span>
                      </Show>
                    </td>
                  )}
                </For>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <ConfirmDialog
        open={confirm()}
        title={`Delete ${props.model.repo}?`}
        confirmLabel="Delete model"
        danger
        onCancel={() => setConfirm(false)}
        onConfirm={() => {
          setConfirm(false);
          void act('delete the model', async () => {
            await deleteModel(props.model);
            props.onDeleted();
          });
        }}
      >
        <p>Its record and cached files are removed. Activation sets extracted from it are kept.</p>
      </ConfirmDialog>
    </div>
  );
}

export function ModelsPage() {
  const db = getDb();
  const models = createLive<ModelRecord[]>(() => db.models.orderBy('createdAt').reverse().toArray());
  const [params, setParams] = useSearchParams<{ id?: string }>();
  const selected = createMemo(() => (models() ?? []).find((m) => m.id === params.id) ?? (params.id ? undefined : models()?.[0]));
  const demo = createDownload((m) => setParams({ id: m.id }));

  return (
    <section class="page">
      <h1>Models</h1>
      <Show when={models() !== undefined && !models()!.some((m) => m.demo)}>
        <div class="card demo-offer" data-testid="model-demo-offer">
          <div class="card-head">
            <div>
              <h2>Start with the demo model</h2>
              <p class="muted">A tiny GPT-2 (2 layers, d_model 48) shipped with the app in the Hub layout: no download, works offline.</p>
            </div>
            <button
              class="btn btn-primary"
              data-testid="model-demo-add"
              disabled={demo.busy()}
              onClick={() => void demo.start({ repo: DEMO_MODEL_REPO, revision: 'main', dtype: 'fp32', host: demoHost(), demo: true })}
            >
              Add demo model
            </button>
          </div>
          <Show when={demo.files().length}>
            <FileProgressList files={demo.files()} />
          </Show>
          <Show when={demo.error()}>
            {(e) => (
              <p class="error-text" role="alert">
                {e().message}
              </p>
            )}
          </Show>
        </div>
      </Show>
      <AddModel onAdded={(m) => setParams({ id: m.id })} />
      <div class="card">
        <h2>Downloaded models</h2>
        <Show when={(models() ?? []).length} fallback={<p class="muted">No models yet.</p>}>
          <table class="table" data-testid="model-list">
            <thead>
              <tr>
                <th>Model</th>
                <th>Variant</th>
                <th>Family</th>
                <th class="num">Layers</th>
                <th class="num">d_model</th>
                <th class="num">Heads</th>
                <th class="num">Vocabulary</th>
                <th class="num">Parameters</th>
                <th class="num">Hook points</th>
                <th class="num">Size</th>
              </tr>
            </thead>
            <tbody>
              <For each={models()}>
                {(m) => {
                  const s = summaryOf(m);
                  return (
                    <tr
                      class="clickable"
                      classList={{ selected: m.id === selected()?.id }}
                      data-testid="model-row"
                      data-repo={m.repo}
                      onClick={() => setParams({ id: m.id })}
                    >
                      <td>
                        {m.repo}
                        <Show when={m.demo}>
                          <span class="badge badge-ok badge-after">demo</span>
                        </Show>
                      </td>
                      <td class="mono">{m.variant}</td>
                      <td>{s.family}</td>
                      <td class="num">{s.nLayers}</td>
                      <td class="num">{s.dModel}</td>
                      <td class="num">{s.nHeads}</td>
                      <td class="num">{fmt(s.vocabSize)}</td>
                      <td class="num">{formatCount(s.parameterCount)}</td>
                      <td class="num">{s.hookPoints.length}</td>
                      <td class="num">{formatBytes(m.bytes)}</td>
                    </tr>
                  );
                }}
              </For>
            </tbody>
          </table>
        </Show>
      </div>
      <Show when={selected()} keyed>
        {(m) => <ModelDetail model={m} onDeleted={() => setParams({ id: undefined })} />}
      </Show>
    </section>
  );
}
