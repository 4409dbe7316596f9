// Library: every named checkpoint (automatic versions, saved-as names, imports) with rename,
// integrity check, hot-swap as the active SAE, SAELens export, branch and delete; plus imports.
import { A, useSearchParams } from '@solidjs/router';
import { createEffect, createMemo, createSignal, For, on, Show } from 'solid-js';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { activateSae, createActiveSae, deactivateSae, loadSae } from '../../state/activeSae';
import { createLive } from '../../state/live';
import { toast } from '../../state/toasts';
import { isAutomaticVersion, renameCheckpoint, versionName } from '../../storage/checkpoints';
import { getDb } from '../../storage/db';
import { formatBytes } from '../../storage/persistence';
import { BranchDialog } from './BranchDialog';
import { EvalCard } from './EvalCard';
import { ImportCard } from './ImportCard';
import { deleteCheckpoint, deleteRun, exportSaeLensZip, listLibrary, type LibraryRow } from './library';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function download(fileName: string, bytes: Uint8Array<ArrayBuffer>): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const FORMAT_LABEL = { saelens: 'SAELens', sparsify: 'sparsify' } as const;

const pct = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);
const num = (v: number | undefined) => (v === undefined ? '—' : String(Number(v.toPrecision(3))));

const when = (t: number) => new Date(t).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });

export function LibraryPage() {
  const [params, setParams] = useSearchParams<{ ckpt?: string }>();
  const rows = createLive(() => listLibrary(getDb()));
  const active = createActiveSae();
  const selected = createMemo(() => rows()?.find((r) => r.checkpoint.id === params.ckpt) ?? rows()?.[0]);
  const [confirm, setConfirm] = createSignal<{ kind: 'checkpoint' | 'run'; row: LibraryRow } | undefined>();
  const [branching, setBranching] = createSignal<LibraryRow | undefined>();
  const [verdict, setVerdict] = createSignal<{ id: string; ok: boolean; text: string } | undefined>();
  const [renameTo, setRenameTo] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  createEffect(on(() => selected()?.checkpoint.name, (name) => setRenameTo(name ?? '')));

  async function run(what: string, task: () => Promise<void>) {
    setBusy(true);
    try {
      await task();
    } catch (e) {
      toast('error', `Could not ${what}`, message(e));
    } finally {
      setBusy(false);
    }
  }

  const verify = (row: LibraryRow) =>
    run('verify the checkpoint', async () => {
      try {
        const { state } = await loadSae(getDb(), row.checkpoint.id);
        setVerdict({ id: row.checkpoint.id, ok: true, text: `Verified: every chunk and the whole payload match their SHA-256 (step ${state.step}).` });
      } catch (e) {
        setVerdict({ id: row.checkpoint.id, ok: false, text: message(e) });
      }
    });

  const activate = (row: LibraryRow) =>
    run('make it the active SAE', async () => {
      try {
        await activateSae(row.checkpoint.id);
        toast('success', `Active SAE: ${row.checkpoint.name}`);
      } catch (e) {
        setVerdict({ id: row.checkpoint.id, ok: false, text: message(e) });
        throw e;
      }
    });

  const exportZip = (row: LibraryRow) =>
    run('export it', async () => {
      const { fileName, bytes } = await exportSaeLensZip(getDb(), row.checkpoint.id);
      download(fileName, bytes);
    });

  const rename = (row: LibraryRow) =>
    run('rename it', async () => {
      await renameCheckpoint(getDb(), row.checkpoint.id, renameTo());
      toast('success', `Renamed to ${renameTo().trim()}`);
    });

  const remove = (c: { kind: 'checkpoint' | 'run'; row: LibraryRow }) =>
    run(`delete the ${c.kind}`, async () => {
      setConfirm(undefined);
      if (c.kind === 'checkpoint') await deleteCheckpoint(getDb(), c.row.checkpoint.id);
      else await deleteRun(getDb(), c.row.checkpoint.runId);
      setParams({ ckpt: undefined });
    });

  return (
    <section class="page">
      <div class="page-head">
        <h1>Library</h1>
        <div class="active-line" data-testid="library-active">
          <span class="muted">Active SAE</span>
          <Show when={active()} fallback={<span class="muted">none — pick a checkpoint and make it active</span>}>
            {(a) => (
              <>
                <span class="badge badge-ok">{a().checkpoint.name}</span>
                <span class="muted small">{a().runName ?? 'imported'}</span>
                <button class="btn btn-sm" onClick={() => void run('clear the active SAE', () => deactivateSae())}>
                  Clear
                </button>
              </>
            )}
          </Show>
        </div>
      </div>
      <div class="grid-library">
        <div class="card">
          <div class="card-head">
            <h2>Checkpoints</h2>
            <span class="muted small">{rows()?.length ?? 0} stored</span>
          </div>
          <table class="table library-table" data-testid="library-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Run / source</th>
                <th>SAE</th>
                <th class="num">Step</th>
                <th class="num" title="Explained variance at this step">Expl. var.</th>
                <th class="num" title="Active latents per token at this step">L0</th>
                <th class="num" title="Latents that did not fire within the dead-feature window">Dead</th>
                <th class="num" title="CE loss recovered with the SAE spliced in (its newest evaluation)">CE rec.</th>
                <th class="num">Size</th>
                <th>Saved</th>
              </tr>
            </thead>
            <tbody>
              <For each={rows() ?? []} fallback={<tr><td colSpan={10} class="muted">No checkpoints yet. Train a run, or import an SAE below.</td></tr>}>
                {(row) => (
                  <tr
                    class="clickable"
                    classList={{ selected: selected()?.checkpoint.id === row.checkpoint.id }}
                    data-testid="library-row"
                    onClick={() => setParams({ ckpt: row.checkpoint.id })}
                  >
                    <td>
                      <span class="ckpt-name">{row.checkpoint.name}</span>
                      <Show when={row.checkpoint.version !== undefined && !isAutomaticVersion(row.checkpoint)}>
                        <span class="muted small mono ckpt-version">{versionName(row.checkpoint.version!)}</span>
                      </Show>
                      <Show when={active()?.checkpoint.id === row.checkpoint.id}>
                        <span class="badge badge-ok">active</span>
                      </Show>
                    </td>
                    <td class="small">
                      <Show when={row.run} fallback={<span class="muted nowrap">{row.checkpoint.origin ? `${FORMAT_LABEL[row.checkpoint.origin.format]} import` : 'run deleted'}</span>}>
                        {(r) => r().name}
                      </Show>
                    </td>
                    <td class="mono small nowrap">
                      {row.arch} {row.dIn}→{row.dSae}
                      <Show when={row.k}>{(k) => ` k=${k()}`}</Show>
                    </td>
                    <td class="num mono">{row.checkpoint.origin ? '—' : row.checkpoint.step}</td>
                    <td class="num mono" data-testid="ckpt-ev">
                      {pct(row.metrics?.explainedVariance)}
                    </td>
                    <td class="num mono" data-testid="ckpt-l0">
                      {num(row.metrics?.l0)}
                    </td>
                    <td class="num mono" data-testid="ckpt-dead">
                      {num(row.metrics?.dead)}
                    </td>
                    <td class="num mono" data-testid="ckpt-ce-score">
                      {num(row.checkpoint.evaluation?.ceLossScore)}
                    </td>
                    <td class="num mono nowrap">{formatBytes(row.checkpoint.bytes)}</td>
                    <td class="small muted nowrap">{when(row.checkpoint.createdAt)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <Show when={selected()} keyed fallback={<div class="card muted">Select a checkpoint.</div>}>
          {(row) => (
            <div class="card ckpt-detail" data-testid="checkpoint-detail">
              <div class="card-head">
                <h2 class="ckpt-title">{row.checkpoint.name}</h2>
                <Show when={active()?.checkpoint.id === row.checkpoint.id}>
                  <span class="badge badge-ok">active</span>
                </Show>
              </div>
              <dl class="kv">
                <dt>Run</dt>
                <dd>
                  <Show when={row.run} fallback={<span class="muted">{row.checkpoint.origin ? 'none (imported)' : 'deleted'}</span>}>
                    {(r) => <A href={`/runs/${r().id}`}>{r().name}</A>}
                  </Show>
                </dd>
                <Show when={row.checkpoint.origin}>
                  {(o) => (
                    <>
                      <dt>Imported from</dt>
                      <dd class="small">
                        <span class="mono">{o().source}</span> <span class="badge">{FORMAT_LABEL[o().format]}</span>
                      </dd>
                      <dt>Model · hook</dt>
                      <dd class="mono small">{[o().modelName ?? '—', o().hookName ?? '—'].join(' · ')}</dd>
                    </>
                  )}
                </Show>
                <Show when={!row.checkpoint.origin && row.context}>
                  <dt>Source</dt>
                  <dd>{row.context}</dd>
                </Show>
                <dt>Architecture</dt>
                <dd class="mono small">
                  {row.arch}
                  {row.k ? ` · k ${row.k}` : ''}
                </dd>
                <dt>Shape</dt>
                <dd class="mono small">
                  d_in {row.dIn} → d_sae {row.dSae}
                </dd>
                <Show when={!row.checkpoint.origin}>
                  <dt>Step</dt>
                  <dd class="mono">
                    {row.checkpoint.step}
                    {row.checkpoint.version !== undefined ? ` · ${versionName(row.checkpoint.version)}` : ''}
                  </dd>
                </Show>
                <Show when={row.metrics}>
                  {(m) => (
                    <>
                      <dt>Explained var.</dt>
                      <dd class="mono">{pct(m().explainedVariance)}</dd>
                      <dt>L0 · dead</dt>
                      <dd class="mono">
                        {num(m().l0)} · {num(m().dead)} dead
                      </dd>
                    </>
                  )}
                </Show>
                <dt>SHA-256</dt>
                <dd class="mono small hash" title={row.checkpoint.sha256}>
                  {row.checkpoint.sha256.slice(0, 16)}…
                </dd>
              </dl>
              <EvalCard checkpoint={row.checkpoint} />
              <Show when={verdict()?.id === row.checkpoint.id}>
                <div class={`banner ${verdict()!.ok ? 'banner-ok' : 'banner-err'}`} data-testid="verify-result" role="status">
                  {verdict()!.text}
                </div>
              </Show>
              <form
                class="rename-row"
                onSubmit={(e) => {
                  e.preventDefault();
                  void rename(row);
                }}
              >
                <input aria-label="Checkpoint name" data-testid="rename-input" value={renameTo()} onInput={(e) => setRenameTo(e.currentTarget.value)} />
                <button class="btn" type="submit" data-testid="rename" disabled={busy() || !renameTo().trim() || renameTo().trim() === row.checkpoint.name}>
                  Rename
                </button>
              </form>
              <div class="btn-row ckpt-actions">
                <button class="btn btn-primary" data-testid="activate" disabled={busy() || active()?.checkpoint.id === row.checkpoint.id} onClick={() => void activate(row)}>
                  {active()?.checkpoint.id === row.checkpoint.id ? 'Active ✓' : 'Make active'}
                </button>
                <button class="btn" data-testid="export-saelens" disabled={busy()} onClick={() => void exportZip(row)}>
                  Export SAELens (.zip)
                </button>
                <button class="btn" data-testid="verify" disabled={busy()} onClick={() => void verify(row)}>
                  Verify integrity
                </button>
                <button class="btn" data-testid="branch" disabled={busy()} onClick={() => setBranching(row)}>
                  Branch…
                </button>
              </div>
              <div class="btn-row ckpt-actions danger-zone">
                <button class="btn btn-danger btn-sm" data-testid="delete-checkpoint" disabled={busy()} onClick={() => setConfirm({ kind: 'checkpoint', row })}>
                  Delete checkpoint
                </button>
                <Show when={row.run}>
                  <button class="btn btn-danger btn-sm" data-testid="delete-run" disabled={busy()} onClick={() => setConfirm({ kind: 'run', row })}>
                    Delete run
                  </button>
                </Show>
              </div>
            </div>
          )}
        </Show>
      </div>
      <ImportCard onImported={(id) => setParams({ ckpt: id })} />
      <ConfirmDialog
        open={Boolean(confirm())}
        title={confirm()?.kind === 'run' ? 'Delete this run?' : 'Delete this checkpoint?'}
        confirmLabel="Delete"
        danger
        onConfirm={() => void remove(confirm()!)}
        onCancel={() => setConfirm(undefined)}
      >
        <Show
          when={confirm()?.kind === 'run'}
          fallback={<p>Checkpoint “{confirm()?.row.checkpoint.name}” and its stored chunks and features will be deleted.</p>}
        >
          <p>Run “{confirm()?.row.run?.name}” with all its metrics, checkpoints and their chunks will be deleted. Export what you want to keep first.</p>
        </Show>
      </ConfirmDialog>
      <Show when={branching()} keyed>
        {(row) => <BranchDialog row={row} onClose={() => setBranching(undefined)} />}
      </Show>
    </section>
  );
}
