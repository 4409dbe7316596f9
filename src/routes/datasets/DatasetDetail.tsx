// One dataset: its statistics, length histogram, tokenizations (with the form to add one), most
// frequent tokens, the sample browser, and delete.
import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { Histogram } from '../../components/charts/Histogram';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { JobControls } from '../../components/JobControls';
import { ProgressBar } from '../../components/ProgressBar';
import { BUILTIN_TOKENIZER_NAME } from '../../data/builtinTokenizer';
import { describeSkipped } from '../../data/formats/jsonl';
import { DEFAULT_PRETOKENIZE_CONFIG, prependBosOptions, Pretokenizer, type PretokenizeConfig, type SpecialTokenRef } from '../../data/pretokenize';
import { tokenDisplay } from '../../data/tokenDisplay';
import { openTokenizer, type TokenizerSpec } from '../../jobs/kinds/tokenize';
import { modelTokenizerName, modelTokenizerSpec } from '../../jobs/kinds/vocabCheck';
import { activeJobFor, startTokenize } from '../../state/datasets';
import { allJobs, formatEta } from '../../state/jobs';
import { createLive, createLiveQuery } from '../../state/live';
import { toast } from '../../state/toasts';
import { getDb, type DatasetRecord, type ModelRecord, type TokenizationRecord } from '../../storage/db';
import { formatBytes } from '../../storage/persistence';
import { deleteRecord } from '../../storage/repository';
import { SampleBrowser } from './SampleBrowser';

const fmt = (n: number | undefined) => (n === undefined ? '—' : n.toLocaleString('en-US'));

function specialChoice(value: string): SpecialTokenRef {
  return value === 'none' ? null : (value as SpecialTokenRef);
}

function TokenizeForm(props: { dataset: DatasetRecord; onStarted: (id: string) => void }) {
  const models = createLive<ModelRecord[]>(() => getDb().models.orderBy('createdAt').reverse().toArray());
  // Variants of one repo and revision share their tokenizer: one entry each.
  const modelTokenizers = createMemo(() => (models() ?? []).filter((m, i, all) => all.findIndex((o) => o.repo === m.repo && o.revision === m.revision && o.host === m.host) === i));
  const [choice, setKind] = createSignal<string>();
  // A downloaded model's own tokenizer is the default: extracting from that model needs its vocabulary.
  const kind = () => choice() ?? (modelTokenizers()[0] ? `model:${modelTokenizers()[0].id}` : 'builtin');
  const [file, setFile] = createSignal<File>();
  const [configFile, setConfigFile] = createSignal<File>();
  const [contextSize, setContextSize] = createSignal('128');
  // SAELens's prepend_bos (True by default there), or the three packing tokens chosen one by one.
  const [bosMode, setBosMode] = createSignal<'true' | 'false' | 'custom'>('true');
  const [addSpecial, setAddSpecial] = createSignal(true);
  const [beginBatch, setBeginBatch] = createSignal('bos');
  const [beginSequence, setBeginSequence] = createSignal('none');
  const [separator, setSeparator] = createSignal('bos');
  const [noConcat, setNoConcat] = createSignal(false);
  const [excludeSpecial, setExcludeSpecial] = createSignal(false);
  const [error, setError] = createSignal<string>();

  async function submit() {
    setError(undefined);
    const C = Number(contextSize());
    if (!Number.isInteger(C) || C < 2) {
      setError('Context size must be a whole number ≥ 2.');
      return;
    }
    const f = file();
    if (kind() === 'file' && !f) {
      setError('Choose a tokenizer.json file.');
      return;
    }
    const cfgFile = configFile();
    const model = modelTokenizers().find((m) => `model:${m.id}` === kind());
    const config: PretokenizeConfig = {
      ...DEFAULT_PRETOKENIZE_CONFIG,
      contextSize: C,
      ...(bosMode() === 'custom'
        ? {
            beginBatchToken: specialChoice(beginBatch()),
            beginSequenceToken: specialChoice(beginSequence()),
            sequenceSeparatorToken: specialChoice(separator()),
            addSpecialTokens: addSpecial(),
          }
        : prependBosOptions(bosMode() === 'true')),
      disableConcatSequences: noConcat(),
      excludeSpecialTokens: excludeSpecial(),
    };
    try {
      const spec: TokenizerSpec = model
        ? await modelTokenizerSpec(model)
        : kind() === 'file' && f
          ? { type: 'file', name: f.name, file: f, ...(cfgFile ? { config: cfgFile } : {}) }
          : { type: 'builtin' };
      // Checks the file and the special-token choices here, so mistakes show next to the form.
      new Pretokenizer(await openTokenizer(spec), config);
      const { id, existed } = await startTokenize(props.dataset.id, spec, config);
      if (existed) toast('info', 'Already tokenized with this tokenizer and these options');
      props.onStarted(id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  const specialSelect = (label: string, testid: string, value: () => string, set: (v: string) => void) => (
    <label class="field">
      <span class="field-label">{label}</span>
      <select data-testid={testid} value={value()} onChange={(e) => set(e.currentTarget.value)}>
        <option value="bos">BOS</option>
        <option value="eos">EOS</option>
        <option value="sep">SEP</option>
        <option value="none">none</option>
      </select>
    </label>
  );

  return (
    <div class="tokenize-form" data-testid="tokenize-form">
      <div class="form-grid">
        <label class="field">
          <span class="field-label">Tokenizer</span>
          <select data-testid="tokenize-tokenizer" value={kind()} onChange={(e) => setKind(e.currentTarget.value)}>
            <For each={modelTokenizers()}>{(m) => <option value={`model:${m.id}`}>{modelTokenizerName(m)}</option>}</For>
            <option value="builtin">{BUILTIN_TOKENIZER_NAME}</option>
            <option value="file">a tokenizer.json file…</option>
          </select>
          <span class="field-hint">Extraction needs the tokenizer of the model it runs.</span>
        </label>
        <Show when={kind() === 'file'}>
          <label
            class="field"
            onDragOver={(e) => e.preventDefault()}
            onDrop={(e) => {
              e.preventDefault();
              setFile(e.dataTransfer?.files[0]);
            }}
          >
            <span class="field-label">tokenizer.json (pick or drop)</span>
            <input type="file" accept=".json" data-testid="tokenizer-file" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
          </label>
          <label class="field">
            <span class="field-label">tokenizer_config.json (optional: BOS/EOS)</span>
            <input type="file" accept=".json" data-testid="tokenizer-config-file" onChange={(e) => setConfigFile(e.currentTarget.files?.[0])} />
          </label>
        </Show>
        <label class="field">
          <span class="field-label">Context size</span>
          <input data-testid="tokenize-context" inputmode="numeric" value={contextSize()} onInput={(e) => setContextSize(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span class="field-label">BOS (SAELens prepend_bos)</span>
          <select data-testid="tokenize-prepend-bos" value={bosMode()} onChange={(e) => setBosMode(e.currentTarget.value as 'true' | 'false' | 'custom')}>
            <option value="true">prepend_bos = True</option>
            <option value="false">prepend_bos = False</option>
            <option value="custom">custom…</option>
          </select>
          <span class="field-hint">
            {bosMode() === 'true'
              ? 'BOS at each window start and between documents, as SAELens trains and most published SAEs expect.'
              : bosMode() === 'false'
                ? 'No BOS anywhere: for SAEs whose cfg.json says prepend_bos: false.'
                : 'Choose each token below.'}
          </span>
        </label>
        <Show when={bosMode() === 'custom'}>
          {specialSelect('Window starts with', 'tokenize-begin-batch', beginBatch, setBeginBatch)}
          {specialSelect('Document starts with', 'tokenize-begin-sequence', beginSequence, setBeginSequence)}
          {specialSelect('Between documents', 'tokenize-separator', separator, setSeparator)}
        </Show>
      </div>
      <div class="checks">
        <Show when={bosMode() === 'custom'}>
          <label>
            <input type="checkbox" checked={addSpecial()} onChange={(e) => setAddSpecial(e.currentTarget.checked)} /> Add the tokenizer's own special tokens
            (its post-processor, e.g. Llama's BOS)
          </label>
        </Show>
        <label>
          <input type="checkbox" checked={noConcat()} onChange={(e) => setNoConcat(e.currentTarget.checked)} /> One window per document (no
          concatenation)
        </label>
        <label>
          <input type="checkbox" checked={excludeSpecial()} onChange={(e) => setExcludeSpecial(e.currentTarget.checked)} /> Exclude special
          tokens from activations
        </label>
      </div>
      <Show when={error()}>
        <p class="error-text" role="alert" data-testid="tokenize-error">
          {error()}
        </p>
      </Show>
      <div class="btn-row end">
        <button class="btn btn-primary" data-testid="tokenize-submit" onClick={() => void submit()}>
          Tokenize
        </button>
      </div>
    </div>
  );
}

function TokenizationRow(props: { t: TokenizationRecord; selected: boolean; onSelect: () => void }) {
  const job = () => activeJobFor(allJobs(), props.t.jobId);
  return (
    <tr class="clickable" classList={{ selected: props.selected }} data-testid="tokenization-row" data-status={props.t.status} onClick={() => props.onSelect()}>
      <td>{props.t.tokenizerName ?? props.t.modelId}</td>
      <td class="num">{props.t.contextSize}</td>
      <td class="num" data-testid="tok-tokens">
        {fmt(props.t.tokens)}
      </td>
      <td class="num">{fmt(props.t.sequences)}</td>
      <td>
        <Show when={job()} fallback={<span class={`badge ${props.t.status === 'ready' ? 'badge-ok' : 'badge-warn'}`}>{props.t.status}</span>}>
          {(j) => (
            <div class="progress-cell" onClick={(e) => e.stopPropagation()}>
              <ProgressBar value={j().progress} label="tokenization progress" />
              <span class="muted small">
                {j().status} {Math.round(j().progress * 100)}% {formatEta(j().etaMs)}
              </span>
              <JobControls job={j()} />
            </div>
          )}
        </Show>
      </td>
    </tr>
  );
}

export function DatasetDetail(props: { dataset: DatasetRecord; onDeleted: () => void }) {
  const db = getDb();
  const tokenizations = createLiveQuery(
    () => props.dataset.id,
    (id) => db.tokenizations.where('datasetId').equals(id).sortBy('createdAt'),
  );
  const [chosen, setChosen] = createSignal<string>();
  const selectedTok = createMemo(() => {
    const list = tokenizations() ?? [];
    return list.find((t) => t.id === chosen()) ?? list.find((t) => t.status === 'ready');
  });
  const readyTok = () => (selectedTok()?.status === 'ready' ? selectedTok() : undefined);
  // Keyed by id: the live list hands out new records on every write, the tokenizer stays the same.
  const [tokenizer] = createResource(
    () => readyTok()?.id,
    async (id) => {
      const spec = (await db.tokenizations.get(id))?.tokenizer;
      return spec ? openTokenizer(spec) : undefined;
    },
  );
  const [confirming, setConfirming] = createSignal(false);
  const stats = () => props.dataset.stats;
  const skippedText = () => {
    const d = props.dataset;
    // Datasets imported before `skipped` existed list their malformed lines only.
    const report = d.skipped ?? (d.skippedLines?.length ? { malformed: { count: d.skippedLines.length, lines: d.skippedLines } } : {});
    return describeSkipped(report, String(d.source.field ?? 'text'), d.source.format === 'json' ? 'record' : 'line');
  };
  const tokStats = () => readyTok()?.stats;

  async function doDelete() {
    setConfirming(false);
    try {
      await deleteRecord(db, 'datasets', props.dataset.id);
      toast('success', `Deleted ${props.dataset.name}`);
      props.onDeleted();
    } catch (e) {
      toast('error', `Could not delete ${props.dataset.name}`, e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <div class="dataset-detail" data-testid="dataset-detail">
      <div class="card">
        <div class="card-head">
          <h2 data-testid="detail-name">{props.dataset.name}</h2>
          <button class="btn btn-danger" data-testid="delete-dataset" onClick={() => setConfirming(true)}>
            Delete
          </button>
        </div>
        <div class="stat-tiles">
          <div class="stat-tile">
            <span class="stat-label">Rows</span>
            <span class="stat-value" data-testid="stat-rows">
              {fmt(props.dataset.rows)}
            </span>
          </div>
          <div class="stat-tile">
            <span class="stat-label">Characters</span>
            <span class="stat-value" data-testid="stat-characters">
              {fmt(stats()?.characters)}
            </span>
          </div>
          <div class="stat-tile">
            <span class="stat-label">Bytes (UTF-8)</span>
            <span class="stat-value" data-testid="stat-bytes" title={`${fmt(props.dataset.bytes)} bytes`}>
              {formatBytes(props.dataset.bytes)}
            </span>
          </div>
          <div class="stat-tile">
            <span class="stat-label">Tokens</span>
            <span class="stat-value" data-testid="stat-tokens" title="Every token the tokenizer produced from every row, before packing into windows">
              {fmt(tokStats()?.documentTokens)}
            </span>
          </div>
          <div class="stat-tile">
            <span class="stat-label">Sequences</span>
            <span class="stat-value" data-testid="stat-sequences">
              {fmt(tokStats()?.sequences)}
            </span>
          </div>
          <div class="stat-tile">
            <span class="stat-label">Length (chars) min / mean / max</span>
            <span class="stat-value small-value" data-testid="stat-lengths">
              {fmt(stats()?.minLength)} / {stats() ? Math.round(stats()!.meanLength).toLocaleString('en-US') : '—'} / {fmt(stats()?.maxLength)}
            </span>
          </div>
        </div>
        <Show when={stats()?.encoding && stats()!.encoding !== 'UTF-8'}>
          <p class="muted small" data-testid="stat-encoding">
            Encoding: {stats()!.encoding} (decoded from its byte-order mark; rows are stored as UTF-8)
          </p>
        </Show>
        <Show when={skippedText().length}>
          <div class="muted small" data-testid="skipped-lines">
            Left out of the import:
            <ul>
              <For each={skippedText()}>{(line) => <li>{line}</li>}</For>
            </ul>
          </div>
        </Show>
        <div class="chart-pair">
          <Histogram title="Document length (characters)" xLabel="characters" data={() => stats()?.lengthHistogram} testid="length-histogram" />
          <Show when={tokStats()}>
            <Histogram
              title="Document length (tokens)"
              xLabel="tokens"
              color="#38bdf8"
              data={() => tokStats()?.lengthHistogram}
              testid="token-length-histogram"
            />
          </Show>
        </div>
      </div>

      <div class="grid-2">
        <div class="card">
          <h2>Tokenizations</h2>
          <Show when={(tokenizations() ?? []).length} fallback={<p class="muted">Not tokenized yet.</p>}>
            <table class="table table-compact">
              <thead>
                <tr>
                  <th>Tokenizer</th>
                  <th class="num">Context</th>
                  <th class="num" title="Tokens stored in full windows of the context size: what extraction reads">
                    Packed tokens
                  </th>
                  <th class="num">Sequences</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                <For each={tokenizations()}>
                  {(t) => <TokenizationRow t={t} selected={t.id === selectedTok()?.id} onSelect={() => setChosen(t.id)} />}
                </For>
              </tbody>
            </table>
            <p class="muted small" data-testid="tokens-help">
              <b>Tokens</b> (above) counts every token the tokenizer produced from every row. <b>Packed tokens</b> is what is stored for extraction:
              the rows joined with the separator and cut into windows of the context size, each starting with the chosen token; a final partial window
              is dropped, so the two differ.
            </p>
          </Show>
          <h3>New tokenization</h3>
          <TokenizeForm dataset={props.dataset} onStarted={setChosen} />
        </div>
        <div class="card" data-testid="top-tokens">
          <h2>Most frequent tokens</h2>
          <Show when={tokStats()} fallback={<p class="muted">Tokenize the dataset to see its most frequent tokens.</p>}>
            {(s) => (
              <table class="table table-compact">
                <thead>
                  <tr>
                    <th class="num">Id</th>
                    <th>Token</th>
                    <th class="num">Count</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={s().topTokens.slice(0, 20)}>
                    {(t) => (
                      <tr data-testid="top-token">
                        <td class="num mono">{t.id}</td>
                        <td>
                          <code class="token-text" dir="ltr">
                            {JSON.stringify(tokenizer() ? tokenDisplay(tokenizer()!, [t.id]) : t.text)}
                          </code>
                        </td>
                        <td class="num">{fmt(t.count)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            )}
          </Show>
        </div>
      </div>

      <SampleBrowser dataset={props.dataset} tokenizer={tokenizer()} />

      <ConfirmDialog
        open={confirming()}
        title={`Delete ${props.dataset.name}?`}
        confirmLabel="Delete"
        danger
        onConfirm={() => void doDelete()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          This deletes its {fmt(props.dataset.rows)} rows and its {(tokenizations() ?? []).length} tokenization(s), with every stored chunk. It cannot be
          undone.
        </p>
      </ConfirmDialog>
    </div>
  );
}
