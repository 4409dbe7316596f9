// A tiny static server with the Hugging Face Hub's URL layout, for tests and Playwright:
// `/{repo}/resolve/{revision}/{path}`, `/api/models/{repo}`, and the Hub's 404s (X-Error-Code
// RepoNotFound / EntryNotFound). Serves a directory (fixtures/generated/hub) or in-memory repos.
//   node scripts/run.mjs scripts/hub-mirror.ts -- --root fixtures/generated/hub --port 8765
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';

/** repo id → (path → bytes) */
export type MemoryRepos = Record<string, Map<string, Uint8Array>>;

export interface HubMirrorOptions {
  /** Directory holding `<org>/<name>/<path>`. */
  root?: string;
  repos?: MemoryRepos;
  /** 0 (default) picks a free port. */
  port?: number;
  hostname?: string;
}

export interface HubMirror {
  /** Base URL to use as the hub host, e.g. http://127.0.0.1:39211 */
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Source {
  hasRepo(repo: string): Promise<boolean>;
  read(repo: string, path: string): Promise<Uint8Array | undefined>;
  list(repo: string): Promise<string[]>;
}

function memorySource(repos: MemoryRepos): Source {
  return {
    hasRepo: async (repo) => repo in repos,
    read: async (repo, path) => repos[repo]?.get(path),
    list: async (repo) => [...(repos[repo]?.keys() ?? [])].sort(),
  };
}

function dirSource(root: string): Source {
  const base = resolve(root);
  const inside = (...parts: string[]) => {
    const p = resolve(base, ...parts);
    return relative(base, p).startsWith('..') ? undefined : p;
  };
  const isKind = async (p: string | undefined, dir: boolean) => {
    if (!p) return false;
    try {
      const s = await stat(p);
      return dir ? s.isDirectory() : s.isFile();
    } catch {
      return false;
    }
  };
  const walk = async (dir: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) out.push(...(await walk(p)));
      else out.push(p);
    }
    return out;
  };
  return {
    hasRepo: (repo) => isKind(inside(repo), true),
    read: async (repo, path) => {
      const p = inside(repo, path);
      return (await isKind(p, false)) ? new Uint8Array(await readFile(p!)) : undefined;
    },
    list: async (repo) => (await walk(inside(repo)!)).map((p) => relative(inside(repo)!, p)).sort(),
  };
}

const BASE_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, X-Error-Code, X-Error-Message',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

function send(res: ServerResponse, method: string, status: number, body: Uint8Array | string, headers: Record<string, string> = {}) {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Length': String(bytes.byteLength), ...headers });
  res.end(method === 'HEAD' ? undefined : bytes);
}

function notFound(res: ServerResponse, method: string, code: 'RepoNotFound' | 'EntryNotFound') {
  const message = code === 'RepoNotFound' ? 'Repository not found' : 'Entry not found';
  send(res, method, 404, JSON.stringify({ error: message }), {
    'Content-Type': 'application/json',
    'X-Error-Code': code,
    'X-Error-Message': message,
  });
}

/** Splits `/a/b/resolve/rev/path` or `/api/models/a/b[/revision/rev]`; repo ids have one or two segments. */
async function handle(src: Source, req: IncomingMessage, res: ServerResponse) {
  const method = req.method ?? 'GET';
  if (method === 'OPTIONS') return send(res, method, 204, '', { 'Access-Control-Allow-Headers': '*', 'Access-Control-Allow-Methods': 'GET, HEAD' });
  if (method !== 'GET' && method !== 'HEAD') return send(res, method, 405, 'Method not allowed');
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://mirror').pathname);
  const api = /^\/api\/models\/(.+?)(?:\/revision\/[^/]+)?\/?$/.exec(path);
  if (api) {
    const repo = api[1];
    if (!(await src.hasRepo(repo))) return notFound(res, method, 'RepoNotFound');
    const siblings = (await src.list(repo)).map((rfilename) => ({ rfilename }));
    return send(res, method, 200, JSON.stringify({ id: repo, modelId: repo, sha: 'mirror', siblings }), { 'Content-Type': 'application/json' });
  }
  const file = /^\/(.+?)\/resolve\/[^/]+\/(.+)$/.exec(path);
  if (!file) return notFound(res, method, 'RepoNotFound');
  const [, repo, filePath] = file;
  if (!(await src.hasRepo(repo))) return notFound(res, method, 'RepoNotFound');
  const bytes = await src.read(repo, filePath);
  if (!bytes) return notFound(res, method, 'EntryNotFound');
  const type = filePath.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  send(res, method, 200, bytes, { 'Content-Type': type, ETag: `"${bytes.byteLength}"` });
}

export async function startHubMirror(opts: HubMirrorOptions): Promise<HubMirror> {
  const src = opts.repos ? memorySource(opts.repos) : dirSource(opts.root ?? 'fixtures/generated/hub');
  const server = createServer((req, res) => {
    handle(src, req, res).catch((e: unknown) => send(res, req.method ?? 'GET', 500, String(e)));
  });
  // Clients reuse idle sockets; outlive their keep-alive so a reused socket is never reset under them.
  server.keepAliveTimeout = 120_000;
  const hostname = opts.hostname ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, hostname, ok);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${hostname}:${port}`,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** CLI: serves until SIGINT/SIGTERM. Flags: --root <dir> --port <n> --host <name>. */
export async function main(args: string[]) {
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const mirror = await startHubMirror({
    root: flag('root') ?? 'fixtures/generated/hub',
    port: Number(flag('port') ?? 8765),
    hostname: flag('host') ?? '127.0.0.1',
  });
  console.log(`hub mirror on ${mirror.url}`);
  await new Promise<void>((ok) => {
    process.once('SIGINT', ok);
    process.once('SIGTERM', ok);
  });
  await mirror.close();
  return 0;
}
