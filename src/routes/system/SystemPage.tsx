// System: WebGPU adapter, limits and features, worker and device state, memory, storage,
// and the GPU self-test (run it, watch it, and its history).
import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { ProgressBar } from '../../components/ProgressBar';
import { act, gpu, report, workerError, workerStatus } from '../../state/gpu';
import { allJobs, formatEta } from '../../state/jobs';
import { createLive } from '../../state/live';
import { getDb, type SelfTestRecord } from '../../storage/db';
import { formatBytes, requestPersistence, storageInfo } from '../../storage/persistence';

interface HeapInfo {
  usedJSHeapSize: number;
  totalJSHeapSize: number;
  jsHeapSizeLimit: number;
}

function heap(): HeapInfo | undefined {
  return (performance as Performance & { memory?: HeapInfo }).memory;
}

export function SystemPage() {
  const selfTests = createLive<SelfTestRecord[]>(() => getDb().selfTests.orderBy('createdAt').reverse().limit(50).toArray());
  const [storage, { refetch }] = createResource(storageInfo);
  const [heapNow, setHeapNow] = createSignal(heap());
  const timer = setInterval(() => setHeapNow(heap()), 2000);
  onCleanup(() => clearInterval(timer));

  const selfTestJob = () => allJobs().find((j) => j.kind === 'self-test' && (j.status === 'running' || j.status === 'queued' || j.status === 'paused'));
  const adapter = () => report()?.adapter;
  const canRun = () => workerStatus() === 'ready' && report()?.webgpu === true;

  return (
    <section class="page">
      <h1>System</h1>
      <div class="grid-2">
        <div class="card" data-testid="adapter-card">
          <h2>WebGPU</h2>
          <Show
            when={adapter()}
            fallback={<p class="muted">{workerStatus() === 'starting' ? 'Requesting an adapter…' : (report()?.reason ?? workerError() ?? 'Unavailable')}</p>}
          >
            {(a) => (
              <dl class="kv">
                <dt>Status</dt>
                <dd>
                  <span class="badge badge-ok">available</span>
                  <Show when={a().isFallback}>
                    <span class="badge badge-warn" title="A CPU emulator: correct but slow">software adapter</span>
                  </Show>
                </dd>
                <dt>Vendor</dt>
                <dd data-testid="adapter-vendor">{a().vendor || '—'}</dd>
                <dt>Architecture</dt>
                <dd data-testid="adapter-architecture">{a().architecture || '—'}</dd>
                <dt>Device</dt>
                <dd>{a().device || '—'}</dd>
                <dt>Description</dt>
                <dd>{a().description || '—'}</dd>
                <dt>Subgroups</dt>
                <dd>{a().subgroupMinSize ? `${a().subgroupMinSize}–${a().subgroupMaxSize} lanes` : '—'}</dd>
              </dl>
            )}
          </Show>
        </div>
        <div class="card">
          <h2>Worker, memory and storage</h2>
          <dl class="kv">
            <dt>GPU worker</dt>
            <dd data-testid="worker-status">{workerStatus()}</dd>
            <dt>Device</dt>
            <dd data-testid="device-state">
              {report()?.device ?? '—'}
              {report()?.deviceRestores ? ` (restored ${report()?.deviceRestores}×)` : ''}
            </dd>
            <dt>Job queue</dt>
            <dd>{report()?.queueOwner ? 'running in this tab' : 'held by another tab'}</dd>
            <dt>JS heap</dt>
            <dd>
              <Show when={heapNow()} fallback="not exposed by this browser">
                {(h) => `${formatBytes(h().usedJSHeapSize)} used of ${formatBytes(h().jsHeapSizeLimit)}`}
              </Show>
            </dd>
            <dt>Storage</dt>
            <dd data-testid="storage-usage">
              {formatBytes(storage()?.usage)} used of {formatBytes(storage()?.quota)}
            </dd>
            <dt>Persistence</dt>
            <dd>
              {storage()?.persisted ? 'persistent' : 'best effort (may be evicted)'}
              <Show when={!storage()?.persisted}>
                {' '}
                <button class="btn btn-sm" onClick={() => requestPersistence().then(refetch)}>
                  Request persistent storage
                </button>
              </Show>
            </dd>
          </dl>
        </div>
      </div>

      <div class="card">
        <div class="card-head">
          <h2>GPU self-test</h2>
          <button
            class="btn btn-primary"
            data-testid="run-self-test"
            disabled={!canRun() || Boolean(selfTestJob())}
            title={canRun() ? 'Tiled WGSL matmul vs its CPU reference at several shapes' : 'Needs WebGPU'}
            onClick={() => act('start the self-test', () => gpu().enqueue({ kind: 'self-test', params: {} }))}
          >
            Run self-test
          </button>
        </div>
        <p class="muted">Runs the tiled WGSL matmul against its CPU reference at several shapes and measures GFLOP/s.</p>
        <Show when={selfTestJob()}>
          {(job) => (
            <div class="job-inline" data-testid="self-test-progress">
              <span class="badge">{job().status}</span>
              <ProgressBar value={job().progress} label="self-test progress" />
              <span class="mono">{Math.round(job().progress * 100)}%</span>
              <span class="muted">{job().message ?? ''}</span>
              <span class="muted">{formatEta(job().etaMs)}</span>
            </div>
          )}
        </Show>
        <table class="table" data-testid="self-test-history">
          <thead>
            <tr>
              <th>When</th>
              <th>Adapter</th>
              <th>Result</th>
              <th>Shapes (M×N×K: GFLOP/s, max |error|)</th>
            </tr>
          </thead>
          <tbody>
            <For each={selfTests() ?? []} fallback={<tr><td colspan="4" class="muted">No self-test yet.</td></tr>}>
              {(t) => (
                <tr data-testid="self-test-row">
                  <td>{new Date(t.createdAt).toLocaleString()}</td>
                  <td>{t.adapter}</td>
                  <td>
                    <span class={`badge ${t.passed ? 'badge-ok' : 'badge-err'}`}>{t.passed ? 'matched reference' : 'MISMATCH'}</span>
                  </td>
                  <td class="shapes">
                    <For each={t.shapes}>
                      {(s) => (
                        <span class={`shape ${s.passed ? '' : 'shape-bad'}`}>
                          {s.M}×{s.N}×{s.K}: <b>{s.gflops.toFixed(2)}</b> · {s.maxAbsError.toExponential(1)}
                        </span>
                      )}
                    </For>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>

      <Show when={adapter()}>
        {(a) => (
          <div class="grid-2">
            <div class="card">
              <h2>Limits</h2>
              <table class="table table-compact" data-testid="limits">
                <tbody>
                  <For each={Object.entries(a().limits).sort(([x], [y]) => x.localeCompare(y))}>
                    {([k, v]) => (
                      <tr>
                        <td class="mono">{k}</td>
                        <td class="mono num">{k.endsWith('Size') && v >= 1024 * 1024 ? `${formatBytes(v)} (${v})` : v}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <div class="card">
              <h2>Features</h2>
              <ul class="chips" data-testid="features">
                <For each={a().features}>{(f) => <li class="chip mono">{f}</li>}</For>
              </ul>
            </div>
          </div>
        )}
      </Show>
    </section>
  );
}
