// Import an SAE into the library: SAELens or sparsify files (a zip, or a folder's files picked
// together), a Hub repo folder (its SAE folders listed), or a published SAE by SAELens release and
// id, checked against d_in (and the model's hook points when a model is chosen), optionally folded.
import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import type { ModelSummary } from '../../lm/config';
import { createLive } from '../../state/live';
import { toast } from '../../state/toasts';
import { getDb } from '../../storage/db';
import type { ImportExpectation } from '../../sae/formats/bundle';
import { listHubSaeFolders, type HubSaeFolder } from '../../sae/formats/hub';
import { listReleases, releasesForModel } from '../../sae/formats/releases';
import { importHubSae, importSaeFiles, loadLibraryHubHost, saveLibraryHubHost } from './library';
import { importReleaseSae } from './releaseImport';

type Mode = 'files' | 'hub' | 'release';

export function ImportCard(props: { onImported: (id: string) => void }) {
  const [mode, setMode] = createSignal<Mode>('files');
  const [files, setFiles] = createSignal<File[]>([]);
  const [name, setName] = createSignal('');
  const [dIn, setDIn] = createSignal('');
  const [modelId, setModelId] = createSignal('');
  const [hook, setHook] = createSignal('');
  const [hub, setHub] = createSignal({ repo: '', revision: 'main', path: '' });
  const [folders, setFolders] = createSignal<HubSaeFolder[]>();
  const [release, setRelease] = createSignal('');
  const [releaseId, setReleaseId] = createSignal('');
  const [fold, setFold] = createSignal(false);
  const [host, { mutate: setHost }] = createResource(() => loadLibraryHubHost(getDb()));
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  const models = createLive(() => getDb().models.orderBy('createdAt').reverse().toArray());
  const model = createMemo(() => models()?.find((m) => m.id === modelId()));
  const summary = () => model()?.summary as Partial<ModelSummary> | undefined;
  /** The chosen model's releases first, then the rest. */
  const releases = createMemo(() => {
    const own = model() ? releasesForModel(model()!.repo) : [];
    return [...own, ...listReleases().filter((r) => !own.includes(r))];
  });
  const releaseIds = createMemo(() => listReleases().find((r) => r.name === release().trim())?.saes.map((s) => s.id) ?? []);

  /** What the SAE must fit: the chosen model's width and hook, else the typed d_in. */
  const expectation = (): ImportExpectation => {
    const s = summary();
    if (s?.dModel) return { dIn: s.dModel, ...(hook() ? { hookName: hook() } : {}), model: { name: model()!.repo, hookPoints: s.hookPoints ?? [] } };
    const n = Number(dIn());
    return dIn().trim() && Number.isInteger(n) && n > 0 ? { dIn: n } : {};
  };

  async function submit() {
    setError(undefined);
    setBusy(true);
    try {
      const db = getDb();
      let record;
      if (mode() === 'files') {
        if (!files().length) throw new Error('Choose the SAE zip, or its cfg.json and .safetensors files together.');
        const read = await Promise.all(files().map(async (f) => ({ name: f.webkitRelativePath || f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
        record = await importSaeFiles(db, read, { name: name(), expect: expectation(), foldDecoderNorm: fold(), source: files().map((f) => f.name).join(', ') });
      } else {
        const h = host() ?? '';
        await saveLibraryHubHost(db, h);
        record =
          mode() === 'hub'
            ? await importHubSae(db, { host: h, ...hub() }, { name: name(), expect: expectation(), foldDecoderNorm: fold() })
            : await importReleaseSae(db, h, release(), releaseId(), { name: name(), expect: expectation(), foldDecoderNorm: fold() });
      }
      toast('success', `Imported ${record.name}`);
      setName('');
      props.onImported(record.id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      class="card import-card"
      data-testid="import-card"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div class="card-head">
        <h2>Import an SAE</h2>
        <div class="tabs" role="tablist">
          <button type="button" class="tab" role="tab" aria-selected={mode() === 'files'} onClick={() => setMode('files')}>
            Files
          </button>
          <button type="button" class="tab" role="tab" aria-selected={mode() === 'hub'} data-testid="import-hub-tab" onClick={() => setMode('hub')}>
            Hub repo
          </button>
          <button type="button" class="tab" role="tab" aria-selected={mode() === 'release'} data-testid="import-release-tab" onClick={() => setMode('release')}>
            SAELens release
          </button>
        </div>
      </div>
      <p class="muted small">
        SAELens folders (<span class="mono">cfg.json</span>, <span class="mono">sae_weights.safetensors</span>, optional{' '}
        <span class="mono">sparsity.safetensors</span>) and sparsify folders (<span class="mono">cfg.json</span>, <span class="mono">sae.safetensors</span>). Nothing is stored unless
        every file reads cleanly and fits the checks below.
      </p>
      <div class="form-grid">
        <Show
          when={mode() === 'files'}
          fallback={
            <>
              <label class="field">
                <span class="field-label">Hub host</span>
                <input data-testid="hub-host" value={host() ?? ''} onInput={(e) => setHost(e.currentTarget.value)} />
              </label>
              <Show when={mode() === 'release'}>
                <label class="field">
                  <span class="field-label">Release</span>
                  <input data-testid="release-name" list="saelens-releases" placeholder="e.g. gpt2-small-res-jb" value={release()} onInput={(e) => setRelease(e.currentTarget.value)} />
                  <datalist id="saelens-releases">
                    <For each={releases()}>{(r) => <option value={r.name}>{`${r.model} · ${r.repo}${r.fixture ? ' (test fixture)' : ''}`}</option>}</For>
                  </datalist>
                </label>
                <label class="field">
                  <span class="field-label">SAE id</span>
                  <Show when={releaseIds().length} fallback={<input data-testid="release-id" placeholder="e.g. blocks.8.hook_resid_pre" value={releaseId()} onInput={(e) => setReleaseId(e.currentTarget.value)} />}>
                    <select data-testid="release-id" value={releaseId()} onChange={(e) => setReleaseId(e.currentTarget.value)}>
                      <option value="">Choose…</option>
                      <For each={releaseIds()}>{(id) => <option value={id}>{id}</option>}</For>
                    </select>
                  </Show>
                </label>
              </Show>
              <Show when={mode() === 'hub'}>
                <label class="field">
                  <span class="field-label">Repo</span>
                  <input data-testid="hub-repo" placeholder="org/name" value={hub().repo} onInput={(e) => setHub({ ...hub(), repo: e.currentTarget.value })} />
                </label>
                <label class="field">
                  <span class="field-label">Revision</span>
                  <input data-testid="hub-revision" value={hub().revision} onInput={(e) => setHub({ ...hub(), revision: e.currentTarget.value })} />
                </label>
                <label class="field">
                  <span class="field-label">Folder in the repo</span>
                  <input data-testid="hub-path" placeholder="e.g. blocks.8.hook_resid_pre" value={hub().path} onInput={(e) => setHub({ ...hub(), path: e.currentTarget.value })} />
                  <Show when={folders()}>
                    {(list) => (
                      <select data-testid="hub-folders" value={hub().path} onChange={(e) => setHub({ ...hub(), path: e.currentTarget.value })}>
                        <option value="">{list().length ? `${list().length} SAE folders: choose one…` : 'No SAE folders in this repo'}</option>
                        <For each={list()}>{(f) => <option value={f.path}>{`${f.path || '(repo root)'} · ${f.format}`}</option>}</For>
                      </select>
                    )}
                  </Show>
                  <button
                    type="button"
                    class="btn btn-sm"
                    data-testid="hub-list-folders"
                    disabled={!hub().repo.trim()}
                    onClick={() => {
                      setError(undefined);
                      listHubSaeFolders({ host: host() ?? '', repo: hub().repo, revision: hub().revision }).then(setFolders, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
                    }}
                  >
                    List SAE folders
                  </button>
                </label>
              </Show>
            </>
          }
        >
          <label class="field field-wide">
            <span class="field-label">Files</span>
            <input type="file" multiple accept=".zip,.json,.safetensors" data-testid="import-files" onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])} />
          </label>
        </Show>
        <label class="field">
          <span class="field-label">Library name</span>
          <input data-testid="import-name" placeholder="from the files" value={name()} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span class="field-label">Check against model</span>
          <select
            data-testid="import-model"
            value={modelId()}
            onChange={(e) => {
              setModelId(e.currentTarget.value);
              setHook('');
            }}
          >
            <option value="">— none —</option>
            <For each={models() ?? []}>{(m) => <option value={m.id}>{m.repo}</option>}</For>
          </select>
        </label>
        <Show
          when={summary()?.dModel}
          fallback={
            <label class="field">
              <span class="field-label">d_in must be</span>
              <input type="number" min="1" data-testid="import-din" placeholder="any" value={dIn()} onInput={(e) => setDIn(e.currentTarget.value)} />
            </label>
          }
        >
          <label class="field">
            <span class="field-label">Hook (d_in {summary()!.dModel})</span>
            <select data-testid="import-hook" value={hook()} onChange={(e) => setHook(e.currentTarget.value)}>
              <option value="">— any —</option>
              <For each={summary()?.hookPoints ?? []}>{(h) => <option value={h}>{h}</option>}</For>
            </select>
          </label>
        </Show>
      </div>
      <label class="checks">
        <span>
          <input type="checkbox" data-testid="import-fold" checked={fold()} onChange={(e) => setFold(e.currentTarget.checked)} /> Fold decoder norms into the encoder
          (SAELens <span class="mono">fold_W_dec_norm</span>: activations in units of unit-norm decoder directions, as Neuronpedia shows them; not for TopK)
        </span>
      </label>
      <Show when={error()}>
        <div class="banner banner-err" role="alert" data-testid="import-error">
          {error()}
        </div>
      </Show>
      <div class="btn-row end">
        <button class="btn btn-primary" type="submit" data-testid="import-submit" disabled={busy()}>
          {busy() ? 'Importing…' : 'Import'}
        </button>
      </div>
    </form>
  );
}
