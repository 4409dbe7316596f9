// Datasets page end to end: files of every format and a Hub split (local mirror) imported through
// the UI with statistics equal to the fixtures, tokenization, search, delete with every chunk,
// reload mid-import, bad input refused with nothing stored, and dataset text never run as markup.
import { expect, test, type Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';
import { builtinTokenizer } from '../src/data/builtinTokenizer';
import { buildByteLevelBpe } from '../src/data/byteLevelBpe';
import { generateDemoCorpus } from '../src/data/demoCorpus';
import { normalizeText } from '../src/data/normalize';
import { DEFAULT_PRETOKENIZE_CONFIG, Pretokenizer } from '../src/data/pretokenize';
import { writeParquet } from '../src/data/testing/parquetWriter';
import { DEMO_DATASET, startDatasetsMirror } from '../scripts/datasets-mirror';

const FIXTURES = 'fixtures/datasets';

// Expected values are computed here from the fixture bytes, independently of the app's parsers.
const chars = (rows: string[]) => rows.reduce((a, r) => a + [...r].length, 0);
const fmt = (n: number) => n.toLocaleString('en-US');

async function txtParagraphs(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split(/\n[ \t]*\n/)
    .map((p) => p.replace(/\n+$/, ''))
    .filter((p) => p.trim() !== '');
}

async function jsonlTexts(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text);
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
function csvColumn(text: string, column: string): string[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field || record.length) records.push([...record, field]);
  const at = records[0].indexOf(column);
  return records.slice(1).map((r) => r[at]);
}

/** Every alert/confirm/prompt fails the test; the page must never run dataset text. */
function forbidDialogs(page: Page): { dialogs: string[] } {
  const seen = { dialogs: [] as string[] };
  page.on('dialog', (d) => {
    seen.dialogs.push(d.message());
    void d.dismiss();
  });
  return seen;
}

async function openDatasets(page: Page) {
  await page.goto('/datasets');
  await expect(page.getByRole('heading', { name: 'Datasets', level: 1 })).toBeVisible();
}

function datasetRow(page: Page, name: string) {
  return page.locator(`[data-testid="dataset-row"][data-name="${name}"]`);
}

async function importFile(page: Page, file: string | { name: string; mimeType: string; buffer: Buffer }, options: { field?: string; txtSplit?: string; maxMb?: string } = {}) {
  await page.getByTestId('tab-file').click();
  await page.getByTestId('dataset-file').setInputFiles(file);
  await expect(page.getByTestId('import-name')).not.toHaveValue('');
  if (options.field !== undefined) {
    await expect(page.getByTestId('import-fields-found')).toBeVisible();
    await page.getByTestId('import-field').fill(options.field);
  }
  if (options.txtSplit !== undefined) await page.getByTestId('import-txt-split').selectOption(options.txtSplit);
  await page.getByTestId('import-max-mb').fill(options.maxMb ?? '');
  await page.getByTestId('import-submit').click();
}

async function expectReady(page: Page, name: string, rows: number) {
  const row = datasetRow(page, name);
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await expect(row.getByTestId('ds-rows')).toHaveText(fmt(rows));
  await row.click();
  await expect(page.getByTestId('detail-name')).toHaveText(name);
}

async function expectStats(page: Page, rows: string[]) {
  await expect(page.getByTestId('stat-rows')).toHaveText(fmt(rows.length));
  await expect(page.getByTestId('stat-characters')).toHaveText(fmt(chars(rows)));
  const bytes = rows.reduce((a, r) => a + Buffer.byteLength(r), 0);
  await expect(page.getByTestId('stat-bytes')).toHaveAttribute('title', `${fmt(bytes)} bytes`);
  const lengths = rows.map((r) => [...r].length);
  await expect(page.getByTestId('stat-lengths')).toContainText(`${fmt(Math.min(...lengths))} /`);
  await expect(page.getByTestId('stat-lengths')).toContainText(`/ ${fmt(Math.max(...lengths))}`);
  await expect(page.getByTestId('length-histogram').locator('canvas')).toBeVisible();
}

async function tableRows(page: Page, table: string): Promise<number> {
  return Number(await page.getByTestId(`table-${table}`).getByTestId('rows').textContent());
}

async function search(page: Page, query: string) {
  await page.getByTestId('sample-search').fill(query);
  await page.getByTestId('search-submit').click();
  return page.getByTestId('search-results').getByTestId('sample-row');
}

test('ingests .txt, .jsonl, .csv and .parquet files with statistics equal to the fixtures; markup stays text', async ({ page }, info) => {
  const guard = forbidDialogs(page);
  await openDatasets(page);
  const title = await page.title();

  // 1. .txt, one document per blank-line-separated block.
  const paragraphs = await txtParagraphs(`${FIXTURES}/paragraphs.txt`);
  await importFile(page, `${FIXTURES}/paragraphs.txt`, { txtSplit: 'paragraph' });
  await expectReady(page, 'paragraphs', paragraphs.length);
  await expectStats(page, paragraphs);
  const xss = await search(page, 'onerror');
  await expect(xss).toHaveCount(1);
  await expect(xss.first()).toContainText('<img src=x onerror=alert(1)>');
  await expect(xss.first()).toContainText('<script>alert("xss")</script>');

  // 2. .jsonl, field "text".
  const jsonl = await jsonlTexts(`${FIXTURES}/rows.jsonl`);
  await importFile(page, `${FIXTURES}/rows.jsonl`, { field: 'text' });
  await expectReady(page, 'rows', jsonl.length);
  await expectStats(page, jsonl);
  await expect(page.getByTestId('sample-row').filter({ hasText: "<script>document.title='pwned'</script>" })).toHaveCount(1);

  // 3. .csv, column "text" (quoted commas, doubled quotes, a line break inside a cell).
  // Dropped on the drop zone rather than picked.
  const csvText = await readFile(`${FIXTURES}/table.csv`, 'utf8');
  const csv = csvColumn(csvText, 'text');
  const dropped = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'table.csv', { type: 'text/csv' }));
    return dt;
  }, csvText);
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: dropped });
  await expect(page.getByTestId('import-fields-found')).toHaveText('Found: id, label, text');
  await expect(page.getByTestId('import-field')).toHaveValue('text');
  await page.getByTestId('import-submit').click();
  await expectReady(page, 'table', csv.length);
  await expectStats(page, csv);

  // 4. .parquet, written here from the JSONL fixture's rows.
  const parquetPath = info.outputPath('rows-parquet.parquet');
  await writeFile(parquetPath, writeParquet([{ name: 'body', type: 'string', values: jsonl }, { name: 'n', type: 'int64', values: jsonl.map((_, i) => i) }], 3));
  await page.getByTestId('dataset-file').setInputFiles(parquetPath);
  await expect(page.getByTestId('import-fields-found')).toHaveText('Found: body, n');
  await expect(page.getByTestId('import-field')).toHaveValue('body');
  await page.getByTestId('import-max-mb').fill('');
  await page.getByTestId('import-submit').click();
  await expectReady(page, 'rows-parquet', jsonl.length);
  await expectStats(page, jsonl);
  await expect(page.getByTestId('dataset-row')).toHaveCount(4);

  // Nothing in any row ran or became an element.
  expect(guard.dialogs).toEqual([]);
  expect(await page.title()).toBe(title);
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.locator('.sample-text script, .sample-text img').count()).toBe(0);
});

test('first launch offers the built-in demo corpus, which imports from the app itself with no other network', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const foreign: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  await openDatasets(page);
  await expect(page.getByTestId('demo-offer')).toBeVisible();
  await page.getByTestId('demo-import').click();
  await expect(page.getByTestId('demo-offer')).toBeHidden();
  const docs = generateDemoCorpus().map((d) => d.text);
  await expectReady(page, 'Demo corpus', docs.length);
  await expectStats(page, docs);
  await expect(page.getByTestId('demo-offer')).toBeHidden();
  expect(foreign).toEqual([]);
});

test('tokenizes with the built-in tokenizer and a tokenizer.json: tokens, sequences and frequent tokens equal a direct pretokenization; hover shows tokens', async ({ page }, info) => {
  await openDatasets(page);
  const rows = await jsonlTexts(`${FIXTURES}/rows.jsonl`);
  await importFile(page, `${FIXTURES}/rows.jsonl`, { field: 'text' });
  await expectReady(page, 'rows', rows.length);

  await page.getByTestId('tokenize-context').fill('16');
  await page.getByTestId('tokenize-submit').click();
  const tokRow = page.getByTestId('tokenization-row').first();
  await expect(tokRow).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });

  const tok = builtinTokenizer();
  const cfg = { ...DEFAULT_PRETOKENIZE_CONFIG, contextSize: 16 };
  const pre = new Pretokenizer(tok, cfg);
  const step = pre.push(rows);
  const documentTokens = rows.reduce((a, r) => a + tok.encode(normalizeText(r, cfg.normalize)).length, 0);
  await expect(page.getByTestId('stat-tokens')).toHaveText(fmt(documentTokens));
  await expect(page.getByTestId('stat-sequences')).toHaveText(fmt(step.state.sequences));
  await expect(tokRow.getByTestId('tok-tokens')).toHaveText(fmt(step.state.sequences * 16));
  await expect(datasetRow(page, 'rows').getByTestId('ds-tokenizations')).toHaveText('1');
  await expect(page.getByTestId('top-token').first()).toBeVisible();
  await expect(page.getByTestId('token-length-histogram').locator('canvas')).toBeVisible();

  // Hovering a row shows its tokens, whose texts join back into the row.
  const first = page.getByTestId('sample-row').first();
  await first.hover();
  const tokens = first.getByTestId('token');
  await expect(tokens.first()).toBeVisible();
  expect((await tokens.allTextContents()).join('')).toBe(rows[0]);
  expect(await tokens.count()).toBe(tok.encode(rows[0], false).length);

  // The same tokenizer and options again is recognised, not duplicated.
  await page.getByTestId('tokenize-submit').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Already tokenized' })).toBeVisible();
  await expect(page.getByTestId('tokenization-row')).toHaveCount(1);

  // A tokenizer.json file (the same BPE, saved as a file) is a second tokenization beside the first.
  const { tokenizerJson } = buildByteLevelBpe(
    generateDemoCorpus({ documents: 400 }).map((d) => d.text),
    300,
  );
  const tokenizerPath = info.outputPath('tokenizer.json');
  await writeFile(tokenizerPath, JSON.stringify(tokenizerJson));
  await page.getByTestId('tokenize-tokenizer').selectOption('file');
  await page.getByTestId('tokenizer-file').setInputFiles(tokenizerPath);
  await page.getByTestId('tokenize-submit').click();
  const fileRow = page.getByTestId('tokenization-row').filter({ hasText: 'tokenizer.json' });
  await expect(fileRow).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await expect(fileRow.getByTestId('tok-tokens')).toHaveText(fmt(step.state.sequences * 16));
  await expect(datasetRow(page, 'rows').getByTestId('ds-tokenizations')).toHaveText('2');

  // Not a tokenizer: refused next to the form, nothing started.
  const notTokenizer = info.outputPath('not-a-tokenizer.json');
  await writeFile(notTokenizer, JSON.stringify({ hello: 'world' }));
  await page.getByTestId('tokenizer-file').setInputFiles(notTokenizer);
  await page.getByTestId('tokenize-submit').click();
  await expect(page.getByTestId('tokenize-error')).toContainText('no "model" section');
  await expect(page.getByTestId('tokenization-row')).toHaveCount(2);
});

test('imports Hub splits from the local mirror (rows API and parquet); a dataset that does not exist is refused with a clear message', async ({ page }) => {
  const mirror = await startDatasetsMirror();
  try {
    await openDatasets(page);
    await page.getByTestId('tab-hub').click();
    await page.getByTestId('hub-host').fill(mirror.url);

    await page.getByTestId('hub-dataset').fill('lantern/does-not-exist');
    await page.getByTestId('hub-find').click();
    await expect(page.getByTestId('hub-error')).toContainText('"lantern/does-not-exist" was not found');
    await expect(page.getByTestId('hub-import')).toHaveCount(0);

    await page.getByTestId('hub-dataset').fill(DEMO_DATASET);
    await page.getByTestId('hub-find').click();
    await expect(page.getByTestId('hub-column')).toHaveValue('text');
    await page.getByTestId('hub-split').selectOption({ label: 'default / test' });
    await page.getByTestId('hub-max-rows').fill('150');
    await page.getByTestId('hub-import').click();

    const expected = generateDemoCorpus().slice(1400, 1550).map((d) => d.text);
    const name = `${DEMO_DATASET} (test)`;
    await expectReady(page, name, 150);
    await expectStats(page, expected);
    expect(mirror.requests.some((r) => r.startsWith('/rows?') && r.includes('split=test'))).toBe(true);

    // The train split through its parquet file (ranged reads), up to 300 rows.
    await page.getByTestId('hub-split').selectOption({ label: 'default / train' });
    await page.getByTestId('hub-method').selectOption('parquet');
    await page.getByTestId('hub-max-rows').fill('300');
    await page.getByTestId('hub-import').click();
    await expectReady(page, `${DEMO_DATASET} (train)`, 300);
    await expectStats(
      page,
      generateDemoCorpus()
        .slice(0, 300)
        .map((d) => d.text),
    );
    expect(mirror.requests.some((r) => r.startsWith('/files/'))).toBe(true);

    // The host is kept in settings.
    await page.reload();
    await page.getByTestId('tab-hub').click();
    await expect(page.getByTestId('hub-host')).toHaveValue(mirror.url);

    await page.goto('/storage');
    await expect.poll(() => tableRows(page, 'datasets')).toBe(2);
  } finally {
    await mirror.close();
  }
});

test('search finds a known row; delete removes the dataset, its tokenizations and every chunk', async ({ page }) => {
  await openDatasets(page);
  const rows = await jsonlTexts(`${FIXTURES}/rows.jsonl`);
  await importFile(page, `${FIXTURES}/rows.jsonl`, { field: 'text' });
  await expectReady(page, 'rows', rows.length);
  await page.getByTestId('tokenize-context').fill('8');
  await page.getByTestId('tokenize-submit').click();
  await expect(page.getByTestId('tokenization-row').first()).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });

  const hits = await search(page, 'WALRUS');
  await expect(hits).toHaveCount(1);
  await expect(hits.first()).toHaveAttribute('data-index', String(rows.findIndex((r) => r.includes('walrus'))));
  await expect(hits.first().locator('mark')).toHaveText('walrus');

  await page.goto('/storage');
  await expect.poll(() => tableRows(page, 'datasetChunks')).toBeGreaterThan(0);
  await expect.poll(() => tableRows(page, 'tokenChunks')).toBeGreaterThan(0);

  await page.getByRole('link', { name: 'Datasets' }).click();
  await datasetRow(page, 'rows').click();
  await page.getByTestId('delete-dataset').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('dataset-row')).toHaveCount(0);

  await page.getByRole('link', { name: 'Storage' }).click();
  for (const table of ['datasets', 'datasetChunks', 'tokenizations', 'tokenChunks']) await expect.poll(() => tableRows(page, table)).toBe(0);
});

test('bad input is refused with a clear message and nothing stored; malformed JSONL lines can be skipped', async ({ page }) => {
  await openDatasets(page);
  const problem = page.getByTestId('import-problem');
  const refused = async (file: Parameters<typeof importFile>[1], message: RegExp, options: Parameters<typeof importFile>[2] = {}) => {
    await importFile(page, file, options);
    await expect(problem).toHaveCount(1, { timeout: 30_000 });
    await expect(problem).toContainText('nothing was stored');
    await expect(problem.getByTestId('import-problem-message')).toContainText(message);
    await problem.getByTestId('dismiss-problem').click();
    await expect(problem).toHaveCount(0);
  };

  await refused(`${FIXTURES}/empty.txt`, /is empty \(0 bytes\)/);
  await refused({ name: 'photo.txt', mimeType: 'text/plain', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x0a, 0x1a]) }, /binary/i);
  await refused({ name: 'latin1.txt', mimeType: 'text/plain', buffer: Buffer.from('caf\xe9 au lait\n', 'latin1') }, /not valid UTF-8 \(first bad byte at offset 3\)/);
  await refused(`${FIXTURES}/rows.jsonl`, /"body"/, { field: 'body' });
  await refused(`${FIXTURES}/paragraphs.txt`, /over the .* limit/, { maxMb: '0.0001' });

  // Malformed JSONL: the lines are named; the user chooses to skip them.
  await importFile(page, `${FIXTURES}/malformed.jsonl`, { field: 'text' });
  await expect(problem).toHaveAttribute('data-code', 'malformed-jsonl', { timeout: 30_000 });
  await expect(problem).toContainText(/lines? 2, 4/);
  await expect(page.getByTestId('dataset-row')).toHaveCount(0);
  await problem.getByTestId('skip-malformed').click();
  await expectReady(page, 'malformed', 3);
  await expect(page.getByTestId('skipped-lines')).toContainText('2, 4');

  await page.goto('/storage');
  await expect.poll(() => tableRows(page, 'datasets')).toBe(1);
  await expect.poll(() => tableRows(page, 'datasetChunks')).toBe(1);
});

test('UTF-16 text with a byte-order mark is imported and its encoding shown; skip mode lists the lines it left out', async ({ page }) => {
  await openDatasets(page);
  const lines = ['{"text":"caf\u00e9 \ud83d\ude00"}', '{"title":"no text"}', '{"text":""}', '{"text":"second"}'];
  const text = '\ufeff' + lines.join('\r\n') + '\r\n';
  await page.getByTestId('tab-file').click();
  await page.getByTestId('dataset-file').setInputFiles({ name: 'utf16.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(text, 'utf16le') });
  await expect(page.getByTestId('import-fields-found')).toContainText('text');
  await page.getByTestId('import-malformed').selectOption('skip');
  await page.getByTestId('import-submit').click();
  await expectReady(page, 'utf16', 2);
  await expectStats(page, ['café 😀', 'second']);
  await expect(page.getByTestId('stat-encoding')).toContainText('UTF-16LE');
  await expect(page.getByTestId('skipped-lines')).toContainText('1 line without a "text" field (line 2)');
  await expect(page.getByTestId('skipped-lines')).toContainText('1 line with an empty "text" (line 3)');
});

test('a reload during import and during tokenization resumes with every row exactly once', async ({ page }, info) => {
  // ~24 MB of numbered lines: many import steps of at most 4 MB each.
  const n = 300_000;
  const lines = Array.from({ length: n }, (_, i) => `line ${i} ${'abcdefghij'.repeat(7)}`);
  await openDatasets(page);
  // The job record keeps no copy of the file, only a handle: the file is chosen through the File System
  // Access picker (answered here with a real handle to a file in the origin's private file system).
  await page.evaluate(async (count) => {
    const dir = await navigator.storage.getDirectory();
    const handle = await dir.getFileHandle('big.txt', { create: true });
    const out = await handle.createWritable();
    await out.write(Array.from({ length: count }, (_, i) => `line ${i} ${'abcdefghij'.repeat(7)}\n`).join(''));
    await out.close();
    (window as unknown as { showOpenFilePicker: () => Promise<FileSystemFileHandle[]> }).showOpenFilePicker = async () => [handle];
  }, n);
  await page.getByTestId('tab-file').click();
  await page.getByTestId('drop-zone').click();
  await expect(page.getByTestId('import-name')).toHaveValue('big');
  await expect(page.getByTestId('import-no-handle')).toHaveCount(0);
  await page.getByTestId('import-txt-split').selectOption('line');
  await page.getByTestId('import-submit').click();

  const rowsOf = async (locator: ReturnType<Page['locator']>) => Number((await locator.textContent())?.replace(/,/g, ''));
  const row = datasetRow(page, 'big');
  await expect(row).toHaveAttribute('data-status', 'ingesting', { timeout: 30_000 });
  await expect.poll(() => rowsOf(row.getByTestId('ds-rows')), { timeout: 60_000 }).toBeGreaterThan(0);
  await page.reload();
  await expect(page.getByTestId('toast').filter({ hasText: 'Resumed: Import big' })).toBeVisible({ timeout: 30_000 });
  await expectReady(page, 'big', n);
  await expect(page.getByTestId('stat-characters')).toHaveText(fmt(chars(lines)));
  for (const i of [0, 123_456, n - 1]) {
    const hits = await search(page, `line ${i} `);
    await expect(hits).toHaveCount(1);
    await expect(hits.first()).toHaveAttribute('data-index', String(i));
  }

  // Tokenization of a smaller file, reloaded mid-way (large enough to take many 300 ms steps).
  const medium = lines.slice(0, 100_000);
  const mediumPath = info.outputPath('medium.txt');
  await writeFile(mediumPath, medium.join('\n'));
  await importFile(page, mediumPath, { txtSplit: 'line' });
  await expectReady(page, 'medium', medium.length);
  await page.getByTestId('tokenize-context').fill('64');
  await page.getByTestId('tokenize-submit').click();
  const tokRow = page.getByTestId('tokenization-row').first();
  await expect(tokRow).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
  await expect.poll(() => rowsOf(tokRow.getByTestId('tok-tokens')), { timeout: 60_000 }).toBeGreaterThan(0);
  await page.reload();
  await expect(page.getByTestId('toast').filter({ hasText: 'Resumed: Tokenize' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('tokenization-row').first()).toHaveAttribute('data-status', 'ready', { timeout: 170_000 });

  const tok = builtinTokenizer();
  const cfg = { ...DEFAULT_PRETOKENIZE_CONFIG, contextSize: 64 };
  const pre = new Pretokenizer(tok, cfg);
  const step = pre.push(medium);
  await expect(page.getByTestId('stat-tokens')).toHaveText(fmt(step.state.documentTokens));
  await expect(page.getByTestId('stat-sequences')).toHaveText(fmt(step.state.sequences));

  await page.getByRole('link', { name: 'Jobs' }).click();
  await expect(page.getByTestId('job-history').getByTestId('job-row')).toHaveCount(3);
});
