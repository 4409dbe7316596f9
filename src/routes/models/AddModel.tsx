// The model picker: Hub host, repo id, revision and ONNX variant (listed from the repo, or the
// names the Hub publishes), a memory estimate before downloading, then a download with per-file
// progress and a clear error.
import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { ProgressBar } from '../../components/ProgressBar';
import { decoderVariants, listOnnxVariants, onnxPath, VARIANT_SUFFIX, type FileProgress, type ModelDtype, type OnnxVariant } from '../../lm/hub';
import { elementBytesOf, estimateModelMemory } from '../../lm/memory';
import { report } from '../../state/gpu';
import { hubModelFacts, type ModelFacts } from '../../state/modelMemory';
import { downloadModel, loadHubHost, saveHubHost, type ModelRequest } from '../../state/models';
import { formatBytes } from '../../storage/persistence';
import type { ModelRecord } from '../../storage/db';
import { MemoryEstimate } from './MemoryEstimate';

const DTYPES = Object.keys(VARIANT_SUFFIX) as ModelDtype[];

export interface DownloadError {
  code: string;
  message: string;
}

function errorOf(e: unknown): DownloadError {
  const err = e as { code?: unknown; message?: unknown };
  return { code: typeof err?.code === 'string' ? err.code : 'error', message: typeof err?.message === 'string' ? err.message : String(e) };
}

/** Per-file progress of one download, in the order files started. */
export function FileProgressList(props: { files: FileProgress[] }) {
  return (
    <ul class="file-progress" data-testid="download-files">
      <For each={props.files}>
        {(f) => (
          <li data-testid="download-file" data-path={f.path} data-done={f.done ? 'true' : 'false'}>
            <span class="mono">{f.path}</span>
            <ProgressBar value={f.total ? f.loaded / f.total : f.done ? 1 : 0} label={`${f.path} download`} />
            <span class="muted small nowrap">
              {formatBytes(f.loaded)}
              {f.total ? ` / ${formatBytes(f.total)}` : ''}
              {f.fromCache ? ' · cached' : f.done ? ' · done' : ''}
            </span>
          </li>
        )}
      </For>
    </ul>
  );
}

/** Runs one download, tracking per-file progress and the error, for the picker and the demo offer. */
export function createDownload(onDone: (m: ModelRecord) => void) {
  const [files, setFiles] = createSignal<FileProgress[]>([]);
  const [error, setError] = createSignal<DownloadError>();
  const [busy, setBusy] = createSignal(false);
  let controller: AbortController | undefined;
  async function start(req: ModelRequest) {
    controller = new AbortController();
    setBusy(true);
    setError(undefined);
    setFiles([]);
    try {
      const record = await downloadModel(
        req,
        (p) => setFiles((list) => (list.some((f) => f.path === p.path) ? list.map((f) => (f.path === p.path ? p : f)) : [...list, p])),
        controller.signal,
      );
      onDone(record);
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  }
  return { files, error, busy, start, cancel: () => controller?.abort() };
}

export function AddModel(props: { onAdded: (m: ModelRecord) => void }) {
  const [savedHost] = createResource(() => loadHubHost());
  const [hostEdit, setHost] = createSignal<string>();
  const host = () => hostEdit() ?? savedHost() ?? '';
  const [repo, setRepo] = createSignal('');
  const [revision, setRevision] = createSignal('main');
  const [dtype, setDtype] = createSignal<ModelDtype>('fp32');
  const [variants, setVariants] = createSignal<OnnxVariant[]>();
  const [variantsError, setVariantsError] = createSignal<string>();
  const dl = createDownload(props.onAdded);
  // The memory estimate before downloading: config.json and the variant's file sizes, at a batch and context.
  const [facts, setFacts] = createSignal<{ facts: ModelFacts; dtype: ModelDtype }>();
  const [factsError, setFactsError] = createSignal<string>();
  const [memBatch, setMemBatch] = createSignal(8);
  const [memContext, setMemContext] = createSignal(128);
  const estimate = createMemo(() => {
    const f = facts();
    if (!f || !(memBatch() >= 1) || !(memContext() >= 1)) return undefined;
    const limits = report()?.webgpu ? report()?.adapter?.limits : undefined;
    return estimateModelMemory({ shape: f.facts.summary, weightBytes: f.facts.weightBytes, elementBytes: elementBytesOf(f.dtype), batch: memBatch(), context: memContext() }, limits);
  });

  async function estimateMemory() {
    setFacts(undefined);
    setFactsError(undefined);
    try {
      const d = dtype();
      setFacts({ facts: await hubModelFacts(repo().trim(), pathOf(d), { host: host(), revision: revision().trim() || 'main' }), dtype: d });
    } catch (e) {
      setFactsError(errorOf(e).message);
    }
  }

  /** The decoder file of a dtype: as listed from the repo (any layout), else onnx-community's name. */
  const pathOf = (d: ModelDtype) => variants()?.find((v) => v.dtype === d)?.path ?? onnxPath(d);

  async function listVariants() {
    setVariants(undefined);
    setVariantsError(undefined);
    try {
      await saveHubHost(host());
      const found = decoderVariants(await listOnnxVariants(repo().trim(), { host: host(), revision: revision() }));
      setVariants(found);
      if (found.length && !found.some((v) => v.dtype === dtype())) setDtype(found[0].dtype);
    } catch (e) {
      setVariantsError(errorOf(e).message);
    }
  }

  async function download() {
    await saveHubHost(host());
    await dl.start({ repo: repo(), revision: revision(), dtype: dtype(), host: host() });
  }

  return (
    <div class="card" data-testid="add-model">
      <h2>Add a model from the Hub</h2>
      <p class="muted">
        ONNX exports in the Hub layout (<span class="mono">config.json</span>, <span class="mono">tokenizer.json</span>,{' '}
        <span class="mono">onnx/model*.onnx</span> or <span class="mono">onnx/decoder_model_merged*.onnx</span>), e.g. <span class="mono">onnx-community/gpt2</span>. Files are kept in the browser's cache, so a
        downloaded model works offline.
      </p>
      <div class="form-grid">
        <label class="field field-wide">
          <span class="field-label">Hub host</span>
          <input data-testid="model-host" value={host()} disabled={savedHost.loading} onInput={(e) => setHost(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span class="field-label">Model id</span>
          <input data-testid="model-repo" placeholder="org/name" value={repo()} onInput={(e) => setRepo(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span class="field-label">Revision</span>
          <input data-testid="model-revision" value={revision()} onInput={(e) => setRevision(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span class="field-label">Variant</span>
          <select data-testid="model-variant" value={dtype()} onChange={(e) => setDtype(e.currentTarget.value as ModelDtype)}>
            <For each={variants()?.length ? variants()!.map((v) => v.dtype) : DTYPES}>
              {(d) => (
                <option value={d}>
                  {d} — {pathOf(d)}
                </option>
              )}
            </For>
          </select>
          <Show when={variants()}>
            {(v) => (
              <span class="field-hint" data-testid="model-variants-found">
                {v().length ? `${v().length} variant${v().length > 1 ? 's' : ''} published` : 'No ONNX variants listed for this repo'}
              </span>
            )}
          </Show>
          <Show when={variantsError()}>
            <span class="field-error" data-testid="model-variants-error">
              {variantsError()}
            </span>
          </Show>
        </label>
      </div>
      <div class="btn-row">
        <button class="btn" data-testid="model-list-variants" disabled={dl.busy() || !repo().trim()} onClick={() => void listVariants()}>
          List variants
        </button>
        <button class="btn" data-testid="model-estimate" disabled={dl.busy() || !repo().trim()} onClick={() => void estimateMemory()}>
          Estimate memory
        </button>
        <button class="btn btn-primary" data-testid="model-download" disabled={dl.busy() || !repo().trim()} onClick={() => void download()}>
          Download
        </button>
        <Show when={dl.busy()}>
          <button class="btn" onClick={() => dl.cancel()}>
            Cancel
          </button>
        </Show>
      </div>
      <Show when={facts()}>
        <div class="form-grid">
          <label class="field">
            <span class="field-label">Batch (contexts per pass)</span>
            <input data-testid="model-memory-batch" inputmode="numeric" value={memBatch()} onInput={(e) => setMemBatch(Number(e.currentTarget.value))} />
          </label>
          <label class="field">
            <span class="field-label">Context (tokens)</span>
            <input data-testid="model-memory-context" inputmode="numeric" value={memContext()} onInput={(e) => setMemContext(Number(e.currentTarget.value))} />
          </label>
        </div>
        <Show when={estimate()}>{(est) => <MemoryEstimate estimate={est()} batch={memBatch()} context={memContext()} />}</Show>
      </Show>
      <Show when={factsError()}>
        <div class="field-error" data-testid="model-memory-error">
          {factsError()}
        </div>
      </Show>
      <Show when={dl.files().length}>
        <FileProgressList files={dl.files()} />
      </Show>
      <Show when={dl.error()}>
        {(e) => (
          <div class="banner banner-err" role="alert" data-testid="model-error" data-code={e().code}>
            <div>
              <strong>The model was not added; nothing was stored.</strong>
              <div data-testid="model-error-message">{e().message}</div>
            </div>
          </div>
        )}
      </Show>
    </div>
  );
}
