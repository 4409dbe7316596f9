// A local stand-in for the Hugging Face datasets server (dataset viewer API): /splits, /info, /rows,
// /parquet and ranged parquet files, with the real response and error shapes, serving datasets
// generated here (the demo corpus) so tests never touch the network.
// Tests: `const m = await startDatasetsMirror(); … m.url …; await m.close()`.
// By hand: `node scripts/run.mjs scripts/datasets-mirror.ts -- --port 7861`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateDemoCorpus } from '../src/data/demoCorpus';
import { writeParquet, type ParquetColumn } from '../src/data/testing/parquetWriter';

type Cell = string | number;

export interface MirrorSplit {
  split: string;
  rows: Record<string, Cell>[];
  /** Rows per parquet row group. */
  rowGroupSize?: number;
}

export interface MirrorDataset {
  dataset: string;
  configs: { config: string; splits: MirrorSplit[] }[];
}

export interface DatasetsMirror {
  url: string;
  /** Paths (with query) of every request served, for assertions. */
  requests: string[];
  close(): Promise<void>;
}

export const DEMO_DATASET = 'lantern/demo-corpus';

/** The demo corpus as a Hub dataset: config "default", splits "train" (1400 rows) and "test" (200). */
export function demoMirrorDatasets(): MirrorDataset[] {
  const docs = generateDemoCorpus().map((d) => ({ id: d.id, topic: d.topic, text: d.text }));
  return [
    {
      dataset: DEMO_DATASET,
      configs: [
        {
          config: 'default',
          splits: [
            { split: 'train', rows: docs.slice(0, 1400), rowGroupSize: 256 },
            { split: 'test', rows: docs.slice(1400), rowGroupSize: 64 },
          ],
        },
      ],
    },
  ];
}

const NOT_FOUND =
  'The dataset does not exist, or is not accessible without authentication (private or gated). Please check the spelling of the dataset name or retry with authentication.';
const MAX_LENGTH = 100;

function columnsOf(rows: Record<string, Cell>[]): ParquetColumn[] {
  const first = rows[0] ?? {};
  return Object.keys(first).map((name) =>
    typeof first[name] === 'number'
      ? { name, type: 'int64', values: rows.map((r) => r[name] as number) }
      : { name, type: 'string', values: rows.map((r) => String(r[name])) },
  );
}

function featureType(v: Cell) {
  return { dtype: typeof v === 'number' ? 'int64' : 'string', _type: 'Value' };
}

export async function startDatasetsMirror({
  port = 0,
  hostname = '127.0.0.1',
  datasets = demoMirrorDatasets(),
}: { port?: number; hostname?: string; datasets?: MirrorDataset[] } = {}): Promise<DatasetsMirror> {
  const byName = new Map(datasets.map((d) => [d.dataset, d]));
  const files = new Map<string, Uint8Array>();
  let base = '';
  const requests: string[] = [];

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, message: string, code: string) =>
    send(res, status, { error: message }, { 'x-error-code': code });

  const fileKey = (d: string, c: string, s: string) => `/files/${d}/${c}/${s}/0000.parquet`;
  for (const d of datasets)
    for (const c of d.configs)
      for (const s of c.splits) files.set(fileKey(d.dataset, c.config, s.split), writeParquet(columnsOf(s.rows), s.rowGroupSize));

  const serveFile = (req: IncomingMessage, res: ServerResponse, bytes: Uint8Array) => {
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      'access-control-allow-origin': '*',
    };
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let status = 200;
    let body = bytes;
    if (m) {
      const start = Number(m[1]);
      const end = Math.min(m[2] ? Number(m[2]) : bytes.length - 1, bytes.length - 1);
      if (start > end) {
        res.writeHead(416, { 'content-range': `bytes */${bytes.length}` });
        res.end();
        return;
      }
      status = 206;
      body = bytes.subarray(start, end + 1);
      headers['content-range'] = `bytes ${start}-${end}/${bytes.length}`;
    }
    headers['content-length'] = String(body.length);
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mirror');
    requests.push(url.pathname + url.search);
    const q = (k: string) => url.searchParams.get(k);
    if (url.pathname.startsWith('/files/')) {
      const bytes = files.get(decodeURIComponent(url.pathname));
      if (!bytes) return error(res, 404, 'Not Found', 'ResponseNotFound');
      return serveFile(req, res, bytes);
    }
    const name = q('dataset');
    if (!name) return error(res, 422, "Parameter 'dataset' is required", 'MissingRequiredParameter');
    const d = byName.get(name);
    if (!d) return error(res, 404, NOT_FOUND, 'ResponseNotFound');
    switch (url.pathname) {
      case '/splits':
        return send(res, 200, {
          splits: d.configs.flatMap((c) => c.splits.map((s) => ({ dataset: d.dataset, config: c.config, split: s.split }))),
          pending: [],
          failed: [],
        });
      case '/info': {
        const info = Object.fromEntries(
          d.configs.map((c) => [
            c.config,
            {
              config_name: c.config,
              features: Object.fromEntries(Object.entries(c.splits[0]?.rows[0] ?? {}).map(([k, v]) => [k, featureType(v)])),
              splits: Object.fromEntries(c.splits.map((s) => [s.split, { name: s.split, num_examples: s.rows.length }])),
            },
          ]),
        );
        const config = q('config');
        if (config && !(config in info)) return error(res, 404, NOT_FOUND, 'ResponseNotFound');
        return send(res, 200, { dataset_info: config ? info[config] : info, pending: [], failed: [], partial: false });
      }
      case '/rows': {
        const s = d.configs.find((c) => c.config === q('config'))?.splits.find((x) => x.split === q('split'));
        if (!s) return error(res, 404, NOT_FOUND, 'ResponseNotFound');
        const offset = Number(q('offset') ?? 0);
        const length = Number(q('length') ?? MAX_LENGTH);
        if (!Number.isInteger(offset) || offset < 0) return error(res, 422, "Parameter 'offset' must be positive", 'InvalidParameter');
        if (!Number.isInteger(length) || length < 0 || length > MAX_LENGTH) {
          return error(res, 422, `Parameter 'length' must not be greater than ${MAX_LENGTH}`, 'InvalidParameter');
        }
        const first = s.rows[0] ?? {};
        return send(res, 200, {
          features: Object.entries(first).map(([k, v], i) => ({ feature_idx: i, name: k, type: featureType(v) })),
          rows: s.rows.slice(offset, offset + length).map((row, i) => ({ row_idx: offset + i, row, truncated_cells: [] })),
          num_rows_total: s.rows.length,
          num_rows_per_page: MAX_LENGTH,
          partial: false,
        });
      }
      case '/parquet':
        return send(res, 200, {
          parquet_files: d.configs.flatMap((c) =>
            c.splits.map((s) => {
              const key = fileKey(d.dataset, c.config, s.split);
              return { dataset: d.dataset, config: c.config, split: s.split, url: base + key, filename: '0000.parquet', size: files.get(key)!.length };
            }),
          ),
          pending: [],
          failed: [],
          partial: false,
        });
      default:
        return error(res, 404, 'Not Found', 'ResponseNotFound');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, hostname, resolve));
  base = `http://${hostname}:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

export async function main(args: string[]): Promise<number> {
  const i = args.indexOf('--port');
  const mirror = await startDatasetsMirror({ port: i >= 0 ? Number(args[i + 1]) : 7861 });
  console.log(`datasets mirror at ${mirror.url} (dataset "${DEMO_DATASET}"); Ctrl-C to stop`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await mirror.close();
  return 0;
}
