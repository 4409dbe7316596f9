// Fetches one SAE folder from a Hub repo with the Hugging Face file layout
// (`{host}/{repo}/resolve/{revision}/{path}`): SAELens first, then sparsify. The host is a
// setting, so tests and offline installs point it at a local mirror.
import { SaeFormatError } from './common';
import { SAELENS_FILES, SPARSIFY_WEIGHTS, type SaeFile } from './bundle';

export interface HubSaeLocation {
  host: string;
  /** "org/name" */
  repo: string;
  revision?: string;
  /** Folder inside the repo holding cfg.json ('' for the repo root). */
  path?: string;
}

export function hubFileUrl(loc: HubSaeLocation, file: string): string {
  const host = loc.host.trim().replace(/\/+$/, '');
  const folder = (loc.path ?? '').trim().replace(/^\/+|\/+$/g, '');
  const path = (folder ? `${folder}/${file}` : file).split('/').map(encodeURIComponent).join('/');
  return `${host}/${loc.repo.trim()}/resolve/${encodeURIComponent(loc.revision?.trim() || 'main')}/${path}`;
}

/** The file's bytes, or undefined on a 404 for a missing entry; other failures throw naming the URL. */
async function fetchOptional(url: string, fetchFn: typeof fetch): Promise<Uint8Array | undefined> {
  let res: Response;
  try {
    res = await fetchFn(url);
  } catch (e) {
    throw new SaeFormatError('missing-file', `Could not reach ${url} (${e instanceof Error ? e.message : String(e)}). Check the Hub host in the import settings.`, { url });
  }
  if (res.status === 404 && res.headers.get('X-Error-Code') === 'RepoNotFound') {
    throw new SaeFormatError('missing-file', `Repository not found: ${url}`, { url });
  }
  if (res.status === 404) return undefined;
  if (!res.ok) throw new SaeFormatError('missing-file', `${url} answered ${res.status} ${res.statusText}`, { url, status: res.status });
  return new Uint8Array(await res.arrayBuffer());
}

/** cfg.json and the weights (plus sparsity.safetensors when present) of the folder at `loc`. */
export async function fetchHubSaeFiles(loc: HubSaeLocation, fetchFn: typeof fetch = fetch): Promise<SaeFile[]> {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(loc.repo.trim())) {
    throw new SaeFormatError('invalid-option', `"${loc.repo}" is not a Hub repo id (expected "org/name").`, { repo: loc.repo });
  }
  // Named with their folder, so a sparsify hookpoint folder ("layers.6") names the hook.
  const folder = (loc.path ?? '').trim().replace(/^\/+|\/+$/g, '');
  const get = async (file: string) => {
    const bytes = await fetchOptional(hubFileUrl(loc, file), fetchFn);
    return bytes && { name: folder ? `${folder}/${file}` : file, bytes };
  };
  const cfg = await get(SAELENS_FILES.cfg);
  if (!cfg) throw new SaeFormatError('missing-file', `No cfg.json at ${hubFileUrl(loc, SAELENS_FILES.cfg)}: check the repo, revision and folder.`, { repo: loc.repo });
  const weights = (await get(SAELENS_FILES.weights)) ?? (await get(SPARSIFY_WEIGHTS));
  if (!weights) {
    throw new SaeFormatError('missing-file', `The folder has cfg.json but neither ${SAELENS_FILES.weights} (SAELens) nor ${SPARSIFY_WEIGHTS} (sparsify).`, { repo: loc.repo });
  }
  const sparsity = weights.name.endsWith(SAELENS_FILES.weights) ? await get(SAELENS_FILES.sparsity) : undefined;
  return [cfg, weights, ...(sparsity ? [sparsity] : [])];
}

/** An SAE folder of a repo: where a cfg.json sits beside SAELens or sparsify weights. */
export interface HubSaeFolder {
  /** '' for the repo root. */
  path: string;
  format: 'saelens' | 'sparsify';
}

/**
 * The SAE folders of a repo, from the Hub API's file list (`/api/models/{repo}/revision/{rev}`):
 * sparsify repos hold one folder per hookpoint (`layers.6/cfg.json`, `layers.6/sae.safetensors`).
 */
export async function listHubSaeFolders(loc: Omit<HubSaeLocation, 'path'>, fetchFn: typeof fetch = fetch): Promise<HubSaeFolder[]> {
  const host = loc.host.trim().replace(/\/+$/, '');
  const repo = loc.repo.trim();
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(repo)) throw new SaeFormatError('invalid-option', `"${loc.repo}" is not a Hub repo id (expected "org/name").`, { repo: loc.repo });
  const url = `${host}/api/models/${repo}/revision/${encodeURIComponent(loc.revision?.trim() || 'main')}`;
  let res: Response;
  try {
    res = await fetchFn(url);
  } catch (e) {
    throw new SaeFormatError('missing-file', `Could not reach ${url} (${e instanceof Error ? e.message : String(e)}). Check the Hub host.`, { url });
  }
  if (!res.ok) throw new SaeFormatError('missing-file', `Repository "${repo}" was not found on ${host} (HTTP ${res.status}).`, { url, status: res.status });
  const body = (await res.json()) as { siblings?: { rfilename: string }[] };
  const files = new Set((body.siblings ?? []).map((s) => s.rfilename));
  const folders: HubSaeFolder[] = [];
  for (const f of [...files].sort()) {
    if (f !== SAELENS_FILES.cfg && !f.endsWith(`/${SAELENS_FILES.cfg}`)) continue;
    const path = f.slice(0, Math.max(0, f.length - SAELENS_FILES.cfg.length - 1));
    const at = (name: string) => files.has(path ? `${path}/${name}` : name);
    if (at(SAELENS_FILES.weights)) folders.push({ path, format: 'saelens' });
    else if (at(SPARSIFY_WEIGHTS)) folders.push({ path, format: 'sparsify' });
  }
  return folders;
}
