// Hub loading: a thin fetch layer over the Hugging Face URL layout (`{host}/{repo}/resolve/{rev}/{path}`)
// with per-file progress, the Cache API, typed 404s, a size limit checked before downloading, ONNX
// variant names and decoder layouts as the Hub publishes them, and external-data files found from the graph itself
// (every external tensor's offset and length checked against the files before a model is accepted).
import { summarizeConfig, type ModelSummary } from './config';
import { LmError } from './errors';
import { DataType, toNumber, type AttributeProto, type GraphProto, type TensorProto } from './onnx/proto';
import { decodeModelBytes } from './surgery';
import type { ExternalDataFile } from './session';

export const DEFAULT_HUB_HOST = 'https://huggingface.co';

/** transformers.js dtype names → ONNX file suffixes (onnx/model{suffix}.onnx). */
export const VARIANT_SUFFIX = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;
export type ModelDtype = keyof typeof VARIANT_SUFFIX;

export function onnxPath(dtype: ModelDtype = 'fp32', baseName = 'model'): string {
  return `onnx/${baseName}${VARIANT_SUFFIX[dtype]}.onnx`;
}

/**
 * Decoder file names, most preferred first: onnx-community's single `model` (cache inputs, often
 * with `model.onnx_data`), Optimum/Xenova's `decoder_model_merged` (an If on `use_cache_branch`,
 * reduced to its with-cache branch by surgery), Optimum's `decoder_with_past_model` (its empty
 * cache serves the first step), and a lone first-step `decoder_model` (no cache inputs).
 */
export const DECODER_BASE_NAMES = ['model', 'decoder_model_merged', 'decoder_with_past_model', 'decoder_model'] as const;

export interface FileProgress {
  path: string;
  loaded: number;
  /** From Content-Length; undefined when the server does not say. */
  total?: number;
  done: boolean;
  fromCache: boolean;
}

/** Where downloaded files are kept, by URL. The Cache API in browsers; a Map works in tests. */
export interface FileCache {
  get(url: string): Promise<Uint8Array | undefined>;
  put(url: string, bytes: Uint8Array): Promise<void>;
}

/** The browser Cache API as a FileCache (cache `lantern-hub`). */
export function cacheApiStore(name = 'lantern-hub'): FileCache {
  return {
    async get(url) {
      const hit = await (await caches.open(name)).match(url);
      return hit ? new Uint8Array(await hit.arrayBuffer()) : undefined;
    },
    async put(url, bytes) {
      const body = new Uint8Array(bytes);
      await (await caches.open(name)).put(url, new Response(body, { headers: { 'Content-Length': String(body.byteLength) } }));
    },
  };
}

export interface HubOptions {
  /** Default https://huggingface.co; tests point this at scripts/hub-mirror.ts. */
  host?: string;
  revision?: string;
  /** Default: the Cache API when present, else none. `null` disables caching. */
  cache?: FileCache | null;
  onProgress?: (p: FileProgress) => void;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export function resolveUrl(repo: string, path: string, opts: Pick<HubOptions, 'host' | 'revision'> = {}): string {
  const host = (opts.host ?? DEFAULT_HUB_HOST).replace(/\/+$/, '');
  const rev = encodeURIComponent(opts.revision ?? 'main');
  return `${host}/${repo}/resolve/${rev}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

function defaultCache(opts: HubOptions): FileCache | null {
  if (opts.cache !== undefined) return opts.cache;
  return typeof caches !== 'undefined' ? cacheApiStore() : null;
}

async function request(repo: string, path: string, method: 'GET' | 'HEAD', opts: HubOptions): Promise<Response> {
  const url = resolveUrl(repo, path, opts);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { method, signal: opts.signal });
  } catch (e) {
    if (opts.signal?.aborted) throw new LmError('ABORTED', `Download of ${path} was cancelled`, { repo, path });
    const cause = (e as Error & { cause?: { code?: string } }).cause?.code;
    throw new LmError('NETWORK', `Could not reach ${url}: ${(e as Error).message}${cause ? ` (${cause})` : ''}`, { repo, path, url, cause });
  }
  if (res.ok) return res;
  // The Hub answers 401/404 with X-Error-Code RepoNotFound for unknown (or private) repos, EntryNotFound for files.
  const code = res.headers.get('x-error-code');
  const details = { repo, path, url, status: res.status, errorCode: code };
  if (code === 'RepoNotFound' || (res.status === 401 && code !== 'EntryNotFound')) {
    throw new LmError('REPO_NOT_FOUND', `Model repository "${repo}" was not found on ${opts.host ?? DEFAULT_HUB_HOST}`, details);
  }
  if (res.status === 404) throw new LmError('FILE_NOT_FOUND', `"${path}" does not exist in ${repo}`, details);
  throw new LmError('NETWORK', `${url} answered HTTP ${res.status}`, details);
}

/** Size of a Hub file without downloading it; undefined if absent. */
export async function hubFileSize(repo: string, path: string, opts: HubOptions = {}): Promise<number | undefined> {
  try {
    const res = await request(repo, path, 'HEAD', opts);
    const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length'));
    return Number.isFinite(size) ? size : undefined;
  } catch (e) {
    if (e instanceof LmError && e.code === 'FILE_NOT_FOUND') return undefined;
    throw e;
  }
}

/** Downloads one file (or reads it from the cache), reporting progress as bytes arrive. */
export async function fetchHubFile(repo: string, path: string, opts: HubOptions = {}): Promise<Uint8Array> {
  const url = resolveUrl(repo, path, opts);
  const cache = defaultCache(opts);
  const cached = await cache?.get(url);
  if (cached) {
    opts.onProgress?.({ path, loaded: cached.byteLength, total: cached.byteLength, done: true, fromCache: true });
    return cached;
  }
  const res = await request(repo, path, 'GET', opts);
  const header = res.headers.get('content-length');
  const total = header ? Number(header) : undefined;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      opts.onProgress?.({ path, loaded, total, done: false, fromCache: false });
    }
  } catch (e) {
    if (opts.signal?.aborted) throw new LmError('ABORTED', `Download of ${path} was cancelled`, { repo, path });
    throw new LmError('NETWORK', `Download of ${path} failed after ${loaded} bytes: ${(e as Error).message}`, { repo, path, loaded });
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  opts.onProgress?.({ path, loaded, total: total ?? loaded, done: true, fromCache: false });
  await cache?.put(url, bytes);
  return bytes;
}

async function fetchJson(repo: string, path: string, opts: HubOptions): Promise<Record<string, unknown>> {
  const bytes = await fetchHubFile(repo, path, opts);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (e) {
    throw new LmError('INVALID_CONFIG', `${path} in ${repo} is not valid JSON`, { repo, path, cause: (e as Error).message });
  }
}

async function optionalJson(repo: string, path: string, opts: HubOptions) {
  try {
    return await fetchJson(repo, path, opts);
  } catch (e) {
    if (e instanceof LmError && e.code === 'FILE_NOT_FOUND') return undefined;
    throw e;
  }
}

export interface OnnxVariant {
  path: string;
  /** e.g. model, decoder_model_merged */
  baseName: string;
  dtype: ModelDtype;
  /** Has a `{path}_data` external-data file beside it. */
  externalData: boolean;
}

/** The decoder a repo offers for each dtype: its most preferred layout (DECODER_BASE_NAMES), in dtype order of VARIANT_SUFFIX. */
export function decoderVariants(variants: OnnxVariant[]): OnnxVariant[] {
  const rank = (v: OnnxVariant) => (DECODER_BASE_NAMES as readonly string[]).indexOf(v.baseName);
  const out: OnnxVariant[] = [];
  for (const dtype of Object.keys(VARIANT_SUFFIX)) {
    const best = variants.filter((v) => v.dtype === dtype && rank(v) >= 0).sort((a, b) => rank(a) - rank(b))[0];
    if (best) out.push(best);
  }
  return out;
}

/** The ONNX files a repo publishes, from the Hub API's file list (`/api/models/{repo}/revision/{rev}`). */
export async function listOnnxVariants(repo: string, opts: HubOptions = {}): Promise<OnnxVariant[]> {
  const host = (opts.host ?? DEFAULT_HUB_HOST).replace(/\/+$/, '');
  const url = `${host}/api/models/${repo}/revision/${encodeURIComponent(opts.revision ?? 'main')}`;
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { signal: opts.signal });
  } catch (e) {
    throw new LmError('NETWORK', `Could not reach ${url}: ${(e as Error).message}`, { repo, url });
  }
  if (!res.ok) {
    throw new LmError('REPO_NOT_FOUND', `Model repository "${repo}" was not found on ${host}`, { repo, url, status: res.status });
  }
  const body = (await res.json()) as { siblings?: { rfilename: string }[] };
  const files = new Set((body.siblings ?? []).map((s) => s.rfilename));
  const suffixes = Object.entries(VARIANT_SUFFIX).sort((a, b) => b[1].length - a[1].length);
  const out: OnnxVariant[] = [];
  for (const path of [...files].sort()) {
    const m = /^onnx\/(.+)\.onnx$/.exec(path);
    if (!m) continue;
    const [dtype, suffix] = suffixes.find(([, sfx]) => m[1].endsWith(sfx))!;
    out.push({ path, baseName: m[1].slice(0, m[1].length - suffix.length), dtype: dtype as ModelDtype, externalData: files.has(`${path}_data`) });
  }
  return out;
}

export interface LoadModelOptions extends HubOptions {
  dtype?: ModelDtype;
  /** Refuse (before downloading the weights) a model whose ONNX files exceed this many bytes. */
  maxBytes?: number;
}

export interface ModelFiles {
  repo: string;
  revision: string;
  summary: ModelSummary;
  config: Record<string, unknown>;
  generationConfig?: Record<string, unknown>;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  onnxPath: string;
  onnx: Uint8Array;
  externalData: ExternalDataFile[];
}

/** Every tensor of `graph` whose bytes live in an external-data file: initializers and node attributes, subgraphs included. */
function externalTensors(graph: GraphProto, out: TensorProto[] = []): TensorProto[] {
  const visit = (t: TensorProto | undefined) => {
    if (t?.externalData?.length) out.push(t);
  };
  graph.initializer.forEach(visit);
  for (const node of graph.node) {
    for (const a of node.attribute as (AttributeProto & { tensors?: TensorProto[]; g?: GraphProto; graphs?: GraphProto[] })[]) {
      visit(a.t);
      a.tensors?.forEach(visit);
      if (a.g) externalTensors(a.g, out);
      a.graphs?.forEach((g) => externalTensors(g, out));
    }
  }
  return out;
}

const entry = (t: TensorProto, key: string) => t.externalData?.find((e) => e.key === key)?.value;

/** Locations of external-data files referenced by the graph's tensors. */
export function externalDataLocations(onnx: Uint8Array): string[] {
  return [...new Set(externalTensors(decodeModelBytes(onnx).graph).flatMap((t) => entry(t, 'location') ?? []))];
}

/** Bits per element of the ONNX data types a weight may have (TensorProto.DataType numbering). */
const ELEMENT_BITS: Record<number, number> = {
  [DataType.FLOAT]: 32,
  [DataType.UINT8]: 8,
  [DataType.INT8]: 8,
  4: 16, // UINT16
  5: 16, // INT16
  [DataType.INT32]: 32,
  [DataType.INT64]: 64,
  [DataType.BOOL]: 8,
  [DataType.FLOAT16]: 16,
  11: 64, // DOUBLE
  12: 32, // UINT32
  13: 64, // UINT64
  16: 16, // BFLOAT16
  17: 8, // FLOAT8E4M3FN
  18: 8, // FLOAT8E4M3FNUZ
  19: 8, // FLOAT8E5M2
  20: 8, // FLOAT8E5M2FNUZ
  21: 4, // UINT4
  22: 4, // INT4
};

/**
 * Checks that every external tensor of the graph lies inside its data file: the location names a
 * file that was fetched, and offset + length (or the size its shape and type need) fits in it.
 * A truncated `model.onnx_data` is refused here, before anything is recorded, instead of failing
 * later when a session opens.
 */
export function checkExternalData(onnx: Uint8Array, files: readonly ExternalDataFile[]): void {
  const sizes = new Map(files.map((f) => [f.path, f.data.byteLength]));
  const fail = (message: string, details: Record<string, unknown>): never => {
    throw new LmError('INVALID_MODEL', `${message} Download the model again, or choose another variant.`, details);
  };
  for (const t of externalTensors(decodeModelBytes(onnx).graph)) {
    const location = entry(t, 'location');
    const size = location === undefined ? undefined : sizes.get(location);
    if (location === undefined || size === undefined) {
      fail(`Tensor "${t.name}" keeps its data in "${location ?? '(no location)'}", which the model does not come with.`, { tensor: t.name, location });
    }
    const offset = Number(entry(t, 'offset') ?? 0);
    const bits = ELEMENT_BITS[t.dataType];
    const needed = bits === undefined ? undefined : Math.ceil((t.dims.reduce<number>((n, d) => n * toNumber(d), 1) * bits) / 8);
    const lengthEntry = entry(t, 'length');
    const length = lengthEntry === undefined ? needed : Number(lengthEntry);
    const where = { tensor: t.name, location, offset, length, fileBytes: size };
    if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
      fail(`Tensor "${t.name}" has an invalid offset or length in "${location}".`, where);
    }
    if (needed !== undefined && length !== needed) {
      fail(`Tensor "${t.name}" declares ${length} bytes in "${location}" but its shape and type need ${needed}.`, { ...where, needed });
    }
    if (offset + (length ?? 0) > size!) {
      fail(
        `"${location}" is truncated: tensor "${t.name}" needs bytes ${offset}–${offset + (length ?? 0)}, but the file has only ${size} bytes.`,
        where,
      );
    }
  }
}

/** The first decoder file of `dtype` the repo has, in DECODER_BASE_NAMES order, with its size. */
async function findDecoder(repo: string, opts: LoadModelOptions): Promise<{ path: string; size: number }> {
  const dtype = opts.dtype ?? 'fp32';
  const tried = DECODER_BASE_NAMES.map((b) => onnxPath(dtype, b));
  for (const path of tried) {
    const size = await hubFileSize(repo, path, opts);
    if (size !== undefined) return { path, size };
  }
  throw new LmError('NO_ONNX_FILE', `${repo} has no ONNX decoder for ${dtype} (looked for ${tried.join(', ')})`, {
    repo,
    path: tried[0],
    tried,
    dtype,
  });
}

/**
 * Fetches what a decoder needs: 1. config.json (a missing repo fails here), 2. the decoder file of
 * the layout the repo publishes and its size (with `{name}_data`) against `maxBytes`, 3. tokenizer
 * files, 4. the graph, 5. its external data.
 */
export async function loadModelFiles(repo: string, opts: LoadModelOptions = {}): Promise<ModelFiles> {
  const config = await fetchJson(repo, 'config.json', opts).catch((e: unknown) => {
    if (e instanceof LmError && e.code === 'FILE_NOT_FOUND') {
      throw new LmError('INVALID_CONFIG', `${repo} has no config.json`, e.details);
    }
    throw e;
  });
  const summary = summarizeConfig(config);
  const { path, size } = await findDecoder(repo, opts);
  const dataSize = (await hubFileSize(repo, `${path}_data`, opts)) ?? 0;
  if (opts.maxBytes !== undefined && size + dataSize > opts.maxBytes) {
    throw new LmError('MODEL_TOO_LARGE', `${repo} (${path}) is ${size + dataSize} bytes, over the ${opts.maxBytes}-byte memory limit`, {
      repo,
      path,
      bytes: size + dataSize,
      maxBytes: opts.maxBytes,
    });
  }
  const tokenizerJson = await fetchJson(repo, 'tokenizer.json', opts);
  const tokenizerConfig = (await optionalJson(repo, 'tokenizer_config.json', opts)) ?? {};
  const generationConfig = await optionalJson(repo, 'generation_config.json', opts);
  const onnx = await fetchHubFile(repo, path, opts);
  const dir = path.slice(0, path.lastIndexOf('/') + 1);
  const externalData: ExternalDataFile[] = [];
  for (const location of externalDataLocations(onnx)) {
    externalData.push({ path: location, data: await fetchHubFile(repo, dir + location, opts) });
  }
  checkExternalData(onnx, externalData);
  return {
    repo,
    revision: opts.revision ?? 'main',
    summary,
    config,
    generationConfig,
    tokenizerJson,
    tokenizerConfig,
    onnxPath: path,
    onnx,
    externalData,
  };
}
