// Models as the UI sees them: the Hub host setting, downloading a model (per-file progress, the
// Cache API, a size limit, the graph checked before anything is recorded), the built-in demo
// model, and deleting a model with its cached files.
// A FAILED DOWNLOAD RECORDS NOTHING AND REMOVES THE FILES IT CACHED (UNLESS ANOTHER MODEL USES THEM).
import { loadTokenizer } from '../data/tokenizer';
import type { ModelSummary } from '../lm/config';
import { LmError } from '../lm/errors';
import { listHooks } from '../lm/hooks';
import { DEFAULT_HUB_HOST, cacheApiStore, loadModelFiles, resolveUrl, type FileProgress, type ModelDtype } from '../lm/hub';
import { inspectModel } from '../lm/surgery';
import { getDb, type LanternDb, type ModelRecord } from '../storage/db';
import { deleteRecord } from '../storage/repository';

export const HUB_HOST_SETTING = 'hubHost';
export const HUB_CACHE = 'lantern-hub';
/** FIXTURE_ORG/DEMO_FIXTURE of src/lm/fixtures/repos.ts, spelled out so the app does not bundle the fixture writer. */
export const DEMO_MODEL_REPO = 'lantern-fixtures/tiny-gpt2';
/** The demo model's files ship with the app in the Hub's URL layout (scripts/make-fixtures.ts --demo). */
export const DEMO_HUB_PATH = '/demo/hub';

/** One wasm32 ArrayBuffer holds at most 2 GiB: the most a browser session can hold of one graph + weights. */
const WASM_MAX_BYTES = 2 ** 31 - 1;

export async function loadHubHost(db: LanternDb = getDb()): Promise<string> {
  const row = await db.settings.get(HUB_HOST_SETTING);
  return typeof row?.value === 'string' && row.value ? row.value : DEFAULT_HUB_HOST;
}

export async function saveHubHost(host: string, db: LanternDb = getDb()): Promise<void> {
  await db.settings.put({ key: HUB_HOST_SETTING, value: host.trim().replace(/\/+$/, '') || DEFAULT_HUB_HOST });
}

export function demoHost(): string {
  return `${location.origin}${DEMO_HUB_PATH}`;
}

/** The largest model (ONNX graph + external data) this browser can hold: wasm32's limit and the free storage. */
export async function modelByteLimit(): Promise<number> {
  const est = typeof navigator === 'undefined' ? undefined : await navigator.storage?.estimate?.().catch(() => undefined);
  const free = est?.quota !== undefined ? est.quota - (est.usage ?? 0) : Infinity;
  return Math.min(WASM_MAX_BYTES, free);
}

export function modelId(repo: string, revision: string, dtype: string): string {
  return `${repo}@${revision}/${dtype}`;
}

export interface ModelRequest {
  repo: string;
  revision: string;
  dtype: ModelDtype;
  host: string;
  demo?: boolean;
  /** Default modelByteLimit(). */
  maxBytes?: number;
}

/** Hub repo ids: `name` or `org/name`, letters, digits, `-`, `_`, `.`. */
export function checkRepoId(repo: string): string {
  const r = repo.trim();
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(r)) {
    throw new LmError('REPO_NOT_FOUND', `"${repo}" is not a Hub model id; expected "org/name", e.g. onnx-community/gpt2.`, { repo });
  }
  return r;
}

async function forgetCached(urls: string[], db: LanternDb, exceptModelId?: string): Promise<void> {
  if (typeof caches === 'undefined' || !urls.length) return;
  const keep = new Set<string>();
  for (const m of await db.models.toArray()) {
    if (m.id === exceptModelId || !m.files) continue;
    for (const f of m.files) keep.add(resolveUrl(m.repo, f.path, { host: m.host, revision: m.revision }));
  }
  const cache = await caches.open(HUB_CACHE);
  for (const url of urls) if (!keep.has(url)) await cache.delete(url);
}

/**
 * 1. Files through the Cache API with per-file progress (a missing repo, config or ONNX file and a
 * model over the limit fail here), 2. the tokenizer built, 3. the graph parsed and its residual chain
 * found (a corrupt or unsupported graph fails here), 4. the record. On failure the files fetched are removed again.
 */
export async function downloadModel(req: ModelRequest, onProgress: (p: FileProgress) => void, signal?: AbortSignal): Promise<ModelRecord> {
  const db = getDb();
  const repo = checkRepoId(req.repo);
  const revision = req.revision.trim() || 'main';
  const id = modelId(repo, revision, req.dtype);
  const seen = new Map<string, number>();
  const opts = { host: req.host, revision };
  try {
    const files = await loadModelFiles(repo, {
      ...opts,
      dtype: req.dtype,
      maxBytes: req.maxBytes ?? (await modelByteLimit()),
      cache: typeof caches === 'undefined' ? null : cacheApiStore(HUB_CACHE),
      signal,
      onProgress: (p) => {
        if (p.done) seen.set(p.path, p.loaded);
        onProgress(p);
      },
    });
    // A tokenizer.json or tokenizer_config.json the tokenizer library cannot load is refused here (DataError 'invalid-tokenizer').
    loadTokenizer(files.tokenizerJson, files.tokenizerConfig);
    const graph = inspectModel(files.onnx);
    if (graph.nLayers !== files.summary.nLayers) {
      throw new LmError('UNSUPPORTED_GRAPH', `The graph has ${graph.nLayers} blocks but config.json says ${files.summary.nLayers}`, {
        graphLayers: graph.nLayers,
        configLayers: files.summary.nLayers,
      });
    }
    const summary: ModelSummary = { ...files.summary, hookPoints: listHooks(graph.nLayers) };
    const record: ModelRecord = {
      id,
      repo,
      revision,
      variant: req.dtype,
      summary: { ...summary, graphDtype: graph.dtype, fused: graph.fused },
      bytes: files.onnx.byteLength + files.externalData.reduce((s, f) => s + f.data.byteLength, 0),
      createdAt: Date.now(),
      host: req.host,
      onnxPath: files.onnxPath,
      files: [...seen].map(([path, bytes]) => ({ path, bytes })),
      demo: req.demo,
    };
    await db.models.put(record);
    return record;
  } catch (e) {
    if (!(await db.models.get(id))) await forgetCached([...seen.keys()].map((p) => resolveUrl(repo, p, opts)), db);
    throw e;
  }
}

/** Deletes a model's record and its cached files (those no other model shares). */
export async function deleteModel(record: ModelRecord): Promise<void> {
  const db = getDb();
  const urls = (record.files ?? []).map((f) => resolveUrl(record.repo, f.path, { host: record.host, revision: record.revision }));
  await deleteRecord(db, 'models', record.id);
  await forgetCached(urls, db, record.id);
}

export function summaryOf(record: ModelRecord): ModelSummary & { graphDtype?: string } {
  return record.summary as unknown as ModelSummary & { graphDtype?: string };
}
