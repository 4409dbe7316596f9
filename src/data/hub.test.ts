// The Hub datasets client against the local mirror: paged rows and parquet give the split's rows
// exactly, with limits, resume and progress.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_DATASET, startDatasetsMirror, type DatasetsMirror } from '../../scripts/datasets-mirror';
import { generateDemoCorpus } from './demoCorpus';
import { createHubDatasetsClient, textColumns } from './hub';
import { collectRows } from './ingest';

const texts = generateDemoCorpus().map((d) => d.text);
const train = { dataset: DEMO_DATASET, config: 'default', split: 'train', column: 'text' };

describe('Hub datasets client (local mirror)', () => {
  let mirror: DatasetsMirror;
  beforeAll(async () => {
    mirror = await startDatasetsMirror();
  });
  afterAll(() => mirror.close());

  test('lists splits, info and text columns', async () => {
    const hub = createHubDatasetsClient({ host: mirror.url });
    expect(await hub.splits(DEMO_DATASET)).toEqual([
      { dataset: DEMO_DATASET, config: 'default', split: 'train' },
      { dataset: DEMO_DATASET, config: 'default', split: 'test' },
    ]);
    const info = (await hub.info(DEMO_DATASET, 'default')) as { splits: Record<string, { num_examples: number }> };
    expect(info.splits.test.num_examples).toBe(200);
    const page = await hub.rowsPage(train, 0, 3);
    expect(textColumns(page.features)).toEqual(['topic', 'text']);
    expect(page.rows.map((r) => r.row.text)).toEqual(texts.slice(0, 3));
  });

  test('paged rows API returns the whole split, 100 rows per request', async () => {
    const hub = createHubDatasetsClient({ host: mirror.url });
    const before = mirror.requests.length;
    const fractions: number[] = [];
    const { rows } = await collectRows(hub.readRows(train, { onProgress: (p) => fractions.push(p.fraction ?? 0) }));
    expect(rows).toEqual(texts.slice(0, 1400));
    expect(mirror.requests.slice(before).filter((r) => r.startsWith('/rows'))).toHaveLength(14);
    expect(fractions.at(-1)).toBe(1);
  });

  test('rows API honours maxRows, maxBytes and resume', async () => {
    const hub = createHubDatasetsClient({ host: mirror.url, pageSize: 40 });
    expect((await collectRows(hub.readRows(train, { maxRows: 130 }))).rows).toEqual(texts.slice(0, 130));
    const limited = (await collectRows(hub.readRows(train, { maxBytes: 5000 }))).rows;
    expect(limited.length).toBeLessThan(100);
    expect(limited.join('').length).toBeGreaterThanOrEqual(4000);
    const first = await hub.readRows(train).next();
    const cursor = first.value!.cursor;
    const rest = (await collectRows(hub.readRows(train, { resume: cursor, maxRows: 200 }))).rows;
    expect([...first.value!.rows, ...rest]).toEqual(texts.slice(0, 200));
  });

  test('parquet files give the same rows through range requests', async () => {
    const hub = createHubDatasetsClient({ host: mirror.url });
    const { rows } = await collectRows(hub.readParquet({ ...train, split: 'test' }));
    expect(rows).toEqual(texts.slice(1400));
    const full = await collectRows(hub.readParquet(train));
    expect(full.rows).toEqual(texts.slice(0, 1400));
  });

  test('parquet honours maxRows and resume by row group', async () => {
    const hub = createHubDatasetsClient({ host: mirror.url });
    expect((await collectRows(hub.readParquet(train, { maxRows: 300 }))).rows).toEqual(texts.slice(0, 300));
    const rest = (await collectRows(hub.readParquet(train, { resume: { byte: 0, row: 512 } }))).rows;
    expect(rest).toEqual(texts.slice(512, 1400));
    // The byte limit is checked after each row group (here the footer read already fetched the file).
    expect((await collectRows(hub.readParquet(train, { maxBytes: 1000 }))).rows).toEqual(texts.slice(0, 256));
  });
});
