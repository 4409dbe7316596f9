// Adding a dataset: a local file (picker or drag and drop) with its format options, or a split
// of a Hugging Face Hub dataset from the configured datasets host.
import { createResource, createSignal, For, Match, Show, Switch } from 'solid-js';
import { createHubDatasetsClient, textColumns, type HubSplit } from '../../data/hub';
import { detectFormat, type FileFormat } from '../../data/ingest';
import { sniffFields } from '../../data/sniff';
import type { TxtSplit } from '../../data/formats/txt';
import { act } from '../../state/gpu';
import { loadHubHost, saveHubHost, startFileImport, startHubImport } from '../../state/datasets';
import { formatBytes } from '../../storage/persistence';

const MB = 1024 * 1024;
const ACCEPT = ['.txt', '.text', '.md', '.jsonl', '.ndjson', '.json', '.csv', '.tsv', '.tab', '.parquet'];

type OpenFilePicker = (options?: { types?: { description: string; accept: Record<string, string[]> }[] }) => Promise<FileSystemFileHandle[]>;
type HandleItem = DataTransferItem & { getAsFileSystemHandle?(): Promise<FileSystemHandle | null> };

/** Chromium's file picker: its handle is stored by reference (no bytes), so a reload can resume the import. */
function filePicker(): OpenFilePicker | undefined {
  return (window as unknown as { showOpenFilePicker?: OpenFilePicker }).showOpenFilePicker;
}

/** A positive whole number from an input, or undefined when left empty. */
function limit(value: string, scale = 1): number | undefined {
  const v = Number(value);
  return value.trim() && v > 0 ? Math.round(v * scale) : undefined;
}

function FileImport() {
  const [file, setFile] = createSignal<File>();
  const [handle, setHandle] = createSignal<FileSystemFileHandle>();
  const [name, setName] = createSignal('');
  const [txtSplit, setTxtSplit] = createSignal<TxtSplit>('paragraph');
  const [field, setField] = createSignal('text');
  const [malformed, setMalformed] = createSignal<'abort' | 'skip'>('abort');
  const [maxMb, setMaxMb] = createSignal('');
  const [maxRows, setMaxRows] = createSignal('');
  const [dragging, setDragging] = createSignal(false);
  const [fields, setFields] = createSignal<string[]>([]);
  /** The user typed a field: a late sniff result must not replace it. */
  const [fieldTouched, setFieldTouched] = createSignal(false);
  const format = (): FileFormat | undefined => {
    const f = file();
    return f ? detectFormat(f.name) : undefined;
  };

  async function choose(f: File | undefined, h?: FileSystemFileHandle) {
    setFile(f);
    setHandle(h);
    setFields([]);
    setFieldTouched(false);
    const fmt = format();
    if (!f || !fmt) return;
    setName(f.name.replace(/\.[^.]+$/, ''));
    const found = await sniffFields(f, fmt);
    if (file() !== f) return;
    setFields(found);
    if (found.length && !fieldTouched() && !found.includes(field())) setField(found.includes('text') ? 'text' : found[0]);
  }

  function submit() {
    const f = file();
    if (!f) return;
    void act('start the import', async () => {
      await startFileImport({
        file: f,
        handle: handle(),
        name: name(),
        format: format(),
        txtSplit: txtSplit(),
        field: field(),
        malformed: malformed(),
        maxBytes: limit(maxMb(), MB),
        maxRows: limit(maxRows()),
      });
      setFile(undefined);
    });
  }

  return (
    <div class="import-file">
      <label
        class="drop-zone"
        classList={{ dragging: dragging() }}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          // The handle must be asked for during the event; the file is read from it or from the drop.
          const pending = (e.dataTransfer?.items[0] as HandleItem | undefined)?.getAsFileSystemHandle?.();
          const dropped = e.dataTransfer?.files[0];
          void (async () => {
            const h = await pending?.catch(() => null);
            await choose(dropped, h?.kind === 'file' ? (h as FileSystemFileHandle) : undefined);
          })();
        }}
        onClick={(e) => {
          const pick = filePicker();
          if (!pick) return;
          e.preventDefault();
          void act('choose a file', async () => {
            try {
              const [h] = await pick({ types: [{ description: 'Datasets', accept: { 'text/plain': ACCEPT } }] });
              await choose(await h.getFile(), h);
            } catch (err) {
              if (!(err instanceof DOMException && err.name === 'AbortError')) throw err;
            }
          });
        }}
      >
        <input
          type="file"
          class="visually-hidden"
          data-testid="dataset-file"
          accept={ACCEPT.join(',')}
          onChange={(e) => {
            void choose(e.currentTarget.files?.[0]);
            // Choosing the same file again must fire another change.
            e.currentTarget.value = '';
          }}
        />
        <Show when={file()} fallback={<span>Drop a .txt, .jsonl, .json, .csv, .tsv or .parquet file here, or click to choose one.</span>}>
          {(f) => (
            <span>
              <strong>{f().name}</strong> · {formatBytes(f().size)} · {format() ?? 'unknown format'}
            </span>
          )}
        </Show>
      </label>
      <Show when={file() && !handle()}>
        <p class="field-hint" data-testid="import-no-handle">
          The browser gave no lasting access to this file: if the page reloads during the import, choose it again.
        </p>
      </Show>
      <Show when={file()}>
        <Show when={format()} fallback={<p class="error-text">Unknown extension: use .txt, .jsonl, .json, .csv, .tsv or .parquet.</p>}>
          <div class="form-grid">
            <label class="field">
              <span class="field-label">Name</span>
              <input data-testid="import-name" value={name()} onInput={(e) => setName(e.currentTarget.value)} />
            </label>
            <Switch>
              <Match when={format() === 'txt'}>
                <label class="field">
                  <span class="field-label">Documents</span>
                  <select data-testid="import-txt-split" value={txtSplit()} onChange={(e) => setTxtSplit(e.currentTarget.value as TxtSplit)}>
                    <option value="paragraph">one per blank-line-separated block</option>
                    <option value="line">one per line</option>
                    <option value="file">the whole file is one</option>
                  </select>
                </label>
              </Match>
              <Match when={format() !== 'txt'}>
                <label class="field">
                  <span class="field-label">{format() === 'jsonl' || format() === 'json' ? 'Text field' : 'Text column'}</span>
                  <input data-testid="import-field" list="import-fields" value={field()}
                    onInput={(e) => {
                      setField(e.currentTarget.value);
                      setFieldTouched(true);
                    }}
                  />
                  <datalist id="import-fields">
                    <For each={fields()}>{(f) => <option value={f} />}</For>
                  </datalist>
                  <Show when={fields().length}>
                    <span class="field-hint" data-testid="import-fields-found">
                      Found: {fields().join(', ')}
                    </span>
                  </Show>
                </label>
              </Match>
            </Switch>
            <Show when={format() === 'jsonl' || format() === 'json'}>
              <label class="field">
                <span class="field-label">Malformed lines</span>
                <select data-testid="import-malformed" value={malformed()} onChange={(e) => setMalformed(e.currentTarget.value as 'abort' | 'skip')}>
                  <option value="abort">abort and list them</option>
                  <option value="skip">skip them (and lines without text), counted</option>
                </select>
              </label>
            </Show>
            <label class="field">
              <span class="field-label">Byte limit (MB)</span>
              <input data-testid="import-max-mb" inputmode="decimal" placeholder="none" value={maxMb()} onInput={(e) => setMaxMb(e.currentTarget.value)} />
            </label>
            <label class="field">
              <span class="field-label">Row limit</span>
              <input data-testid="import-max-rows" inputmode="numeric" placeholder="none" value={maxRows()} onInput={(e) => setMaxRows(e.currentTarget.value)} />
            </label>
          </div>
          <div class="btn-row end">
            <button class="btn btn-primary" data-testid="import-submit" onClick={submit}>
              Import file
            </button>
          </div>
        </Show>
      </Show>
    </div>
  );
}

function HubImport() {
  const [host, setHost] = createSignal('');
  const [saved] = createResource(async () => {
    const h = await loadHubHost();
    setHost(h);
    return h;
  });
  const [dataset, setDataset] = createSignal('');
  const [splits, setSplits] = createSignal<HubSplit[]>([]);
  const [split, setSplit] = createSignal<HubSplit>();
  const [columns, setColumns] = createSignal<string[]>([]);
  const [column, setColumn] = createSignal('');
  const [maxRows, setMaxRows] = createSignal('10000');
  const [maxMb, setMaxMb] = createSignal('');
  const [method, setMethod] = createSignal<'rows' | 'parquet'>('rows');
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  const client = () => createHubDatasetsClient({ host: host() });

  async function loadColumns(s: HubSplit) {
    setSplit(s);
    const page = await client().rowsPage(s, 0, 1);
    const cols = textColumns(page.features);
    setColumns(cols);
    setColumn(cols.includes('text') ? 'text' : (cols[0] ?? ''));
  }

  async function find() {
    setError(undefined);
    setSplits([]);
    setSplit(undefined);
    setColumns([]);
    setBusy(true);
    try {
      await saveHubHost(host());
      const found = await client().splits(dataset().trim());
      setSplits(found);
      if (found[0]) await loadColumns(found.find((s) => s.split === 'train') ?? found[0]);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  function submit() {
    const s = split();
    if (!s || !column()) return;
    void act('start the Hub import', async () => {
      await startHubImport(`${s.dataset} (${s.split})`, {
        host: host(),
        dataset: s.dataset,
        config: s.config,
        split: s.split,
        column: column(),
        method: method(),
        maxRows: limit(maxRows()),
        maxBytes: limit(maxMb(), MB),
      });
    });
  }

  return (
    <div class="import-hub">
      <div class="form-grid">
        <label class="field wide">
          <span class="field-label">Datasets host</span>
          <input data-testid="hub-host" value={host()} disabled={saved.loading} onInput={(e) => setHost(e.currentTarget.value)} />
        </label>
        <label class="field wide">
          <span class="field-label">Dataset (owner/name)</span>
          <input
            data-testid="hub-dataset"
            placeholder="e.g. NeelNanda/pile-10k"
            value={dataset()}
            onInput={(e) => setDataset(e.currentTarget.value)}
            onKeyDown={(e) => e.key === 'Enter' && void find()}
          />
        </label>
      </div>
      <div class="btn-row end">
        <button class="btn" data-testid="hub-find" disabled={busy() || !dataset().trim()} onClick={() => void find()}>
          {busy() ? 'Looking…' : 'Find splits'}
        </button>
      </div>
      <Show when={error()}>
        <p class="error-text" role="alert" data-testid="hub-error">
          {error()}
        </p>
      </Show>
      <Show when={split()}>
        <div class="form-grid">
          <label class="field">
            <span class="field-label">Config / split</span>
            <select
              data-testid="hub-split"
              onChange={(e) => {
                const s = splits()[Number(e.currentTarget.value)];
                if (s) void loadColumns(s).catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
              }}
            >
              <For each={splits()}>
                {(s, i) => (
                  <option value={i()} selected={s === split()}>
                    {s.config} / {s.split}
                  </option>
                )}
              </For>
            </select>
          </label>
          <label class="field">
            <span class="field-label">Text column</span>
            <select data-testid="hub-column" value={column()} onChange={(e) => setColumn(e.currentTarget.value)}>
              <For each={columns()}>{(c) => <option value={c}>{c}</option>}</For>
            </select>
          </label>
          <label class="field">
            <span class="field-label">Read through</span>
            <select data-testid="hub-method" value={method()} onChange={(e) => setMethod(e.currentTarget.value as 'rows' | 'parquet')}>
              <option value="rows">rows API (100 rows per request)</option>
              <option value="parquet">parquet files (large splits)</option>
            </select>
          </label>
          <label class="field">
            <span class="field-label">Row limit</span>
            <input data-testid="hub-max-rows" inputmode="numeric" placeholder="none" value={maxRows()} onInput={(e) => setMaxRows(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span class="field-label">Byte limit (MB)</span>
            <input data-testid="hub-max-mb" inputmode="decimal" placeholder="none" value={maxMb()} onInput={(e) => setMaxMb(e.currentTarget.value)} />
          </label>
        </div>
        <Show when={columns().length === 0}>
          <p class="error-text">This split has no text (string) column.</p>
        </Show>
        <div class="btn-row end">
          <button class="btn btn-primary" data-testid="hub-import" disabled={!column()} onClick={submit}>
            Import from the Hub
          </button>
        </div>
      </Show>
    </div>
  );
}

export function ImportCard() {
  const [tab, setTab] = createSignal<'file' | 'hub'>('file');
  return (
    <div class="card" data-testid="import-card">
      <div class="card-head">
        <h2>Add a dataset</h2>
        <div class="tabs" role="tablist">
          <button role="tab" class="tab" aria-selected={tab() === 'file'} data-testid="tab-file" onClick={() => setTab('file')}>
            Local file
          </button>
          <button role="tab" class="tab" aria-selected={tab() === 'hub'} data-testid="tab-hub" onClick={() => setTab('hub')}>
            Hugging Face Hub
          </button>
        </div>
      </div>
      <Show when={tab() === 'file'} fallback={<HubImport />}>
        <FileImport />
      </Show>
    </div>
  );
}
