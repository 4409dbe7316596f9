// Storage full: with the origin's quota made small (DevTools protocol), an import, an extraction and
// a training run that reach it pause with a message naming what to delete; no partial record is
// left, everything stored before is intact and readable, and with room again Resume finishes all three.
import { expect, test, type CDPSession, type Page } from '@playwright/test';
import { storedRows } from './idb';
import { fillExtraction } from './extract';

// No service worker: its precache would fill the origin's storage in the background while the test measures it.
test.use({ serviceWorkers: 'block' });

/** The origin's quota while there is room: enough for everything the test stores. */
const ROOM = 16 << 20;
/** Room left when storage is "full": the jobs' records fit, none of their chunks or checkpoints (each > 1 MB). */
const MARGIN = 384 << 10;

interface Job { id: string; kind: string; status: string; error?: { code: string; message: string } }

/**
 * Every chunk of every chunk table as `table/owner/index sha256`, each hashed in the page and checked
 * against the hash stored with it (the bytes stay in the page).
 */
async function chunkDigest(page: Page): Promise<string[]> {
  const { digest, corrupt } = await page.evaluate(async (tables) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('lantern');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const digest: string[] = [];
    const corrupt: string[] = [];
    for (const table of tables) {
      const rows = await new Promise<{ ownerId: string; index: number; bytes: ArrayBuffer; sha256: string }[]>((resolve, reject) => {
        const req = db.transaction(table).objectStore(table).getAll();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const c of rows) {
        const hex = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', c.bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
        const key = `${table}/${c.ownerId}/${c.index} ${c.sha256}`;
        digest.push(key);
        if (hex !== c.sha256) corrupt.push(key);
      }
    }
    db.close();
    return { digest: digest.sort(), corrupt };
  }, ['datasetChunks', 'tokenChunks', 'activationChunks', 'checkpointChunks']);
  expect(corrupt).toEqual([]);
  return digest;
}

/**
 * Puts `bytes` into a scratch database and reports how the write ended. Chromium's IndexedDB keeps
 * allotting from the space it last learnt of for up to 30 s; a write larger than any such allotment
 * (> ROOM) makes it ask the quota again, so the next writes see the quota as it is now.
 */
function scratchWrite(page: Page, bytes: number): Promise<string> {
  return page.evaluate(
    (bytes) =>
      new Promise<string>((resolve) => {
        const open = indexedDB.open('quota-scratch', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('s');
        open.onerror = () => resolve(`open: ${open.error?.name}`);
        open.onsuccess = () => {
          const tx = open.result.transaction('s', 'readwrite');
          tx.objectStore('s').put(new Uint8Array(bytes).buffer, 'probe');
          tx.oncomplete = () => (open.result.close(), resolve('stored'));
          tx.onabort = () => (open.result.close(), resolve(tx.error?.name ?? 'aborted'));
        };
      }),
    bytes,
  );
}

async function setQuota(cdp: CDPSession, origin: string, quotaSize: number) {
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize });
}

/** Storage made full: MARGIN left over what is stored now, and IndexedDB made to see it. */
async function fill(page: Page, cdp: CDPSession, origin: string) {
  const { usage } = await cdp.send('Storage.getUsageAndQuota', { origin });
  await setQuota(cdp, origin, usage + MARGIN);
  expect(await scratchWrite(page, ROOM + 1)).toBe('QuotaExceededError');
}

/**
 * The job `title` of `kind` stops for quota: the user is told at once what to delete, and the job is
 * stored as paused with that message. (Chromium may count a refused write in the origin's usage
 * until it compacts, leaving no room even for the paused status: it is stored once there is room, here
 * MARGIN over the new usage.)
 */
async function stopsForQuota(page: Page, cdp: CDPSession, origin: string, kind: string, title: string) {
  const toast = page.getByTestId('toast').filter({ hasText: `Paused: ${title}` });
  await expect(toast).toContainText('Browser storage is full, so nothing of this step was saved (everything stored before is intact)', { timeout: 60_000 });
  await expect(toast).toContainText('what takes the most: checkpoints of run "kept-run" (');
  await fill(page, cdp, origin);
  await expect.poll(async () => (await statuses(page)).filter((s) => s.startsWith(`${kind}:`) && !s.endsWith(':done'))).toEqual([`${kind}:paused:quota-exceeded`]);
}

async function importText(page: Page, name: string, text: string, split: 'line' | 'paragraph') {
  await page.getByRole('link', { name: 'Datasets' }).click();
  await page.getByTestId('tab-file').click();
  await page.getByTestId('dataset-file').setInputFiles({ name: `${name}.txt`, mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.getByTestId('import-txt-split').selectOption(split);
  await page.getByTestId('import-submit').click();
}

async function train(page: Page, values: Record<string, string>) {
  await page.getByRole('link', { name: 'Training' }).click();
  for (const [field, value] of Object.entries(values)) await page.locator(`[name="${field}"]`).fill(value);
  await page.getByTestId('start-training').click();
}

const jobs = (page: Page) => storedRows<Job>(page, 'jobs');
const statuses = async (page: Page) => (await jobs(page)).map((j) => `${j.kind}:${j.status}${j.error ? `:${j.error.code}` : ''}`).sort();

const KEPT = Array.from({ length: 500 }, (_, i) => `kept line ${i}`);
/** Four paragraphs of ~1 MB: each import step holds at least one, more than the room left. */
const BIG = Array.from({ length: 4 }, (_, p) => Array.from({ length: 11_000 }, (_, i) => `paragraph ${p} line ${i} ${'lanterns '.repeat(9)}`).join('\n'));
/** Steps of 64 contexts × 128 tokens × d_model 48: chunks of 1.5 MB. */
const TEXT = 'Lanterns light the way through the dark forest, one step at a time. '.repeat(260);

test('an import, an extraction and a training run that fill the quota pause naming what to delete, keep what was stored, and resume once there is room', async ({ page, context, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const cdp = await context.newCDPSession(page);
  await setQuota(cdp, origin, ROOM);

  // 1. Stored before: the demo model, a dataset, a finished run with two checkpoints.
  await page.goto('/models');
  await page.getByTestId('model-demo-add').click();
  await expect(page.locator('[data-testid="model-row"]')).toHaveCount(1);
  await importText(page, 'kept', KEPT.join('\n'), 'line');
  await expect(page.locator('[data-testid="dataset-row"][data-name="kept"]')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await train(page, { name: 'kept-run', dIn: '16', nFeatures: '64', dSae: '64', k: '4', batchSize: '64', totalSteps: '20', checkpointEvery: '10' });
  await expect(page.getByTestId('run-dashboard')).toContainText('kept-run');
  await expect.poll(async () => statuses(page), { timeout: 60_000 }).toEqual(['ingest:done', 'train:done']);
  expect(await scratchWrite(page, 1024)).toBe('stored');
  const before = await chunkDigest(page);

  // 2. Storage full (MARGIN left), then an import, an extraction and a training run that need more.
  await fill(page, cdp, origin);
  await importText(page, 'big', BIG.join('\n\n'), 'paragraph');
  await stopsForQuota(page, cdp, origin, 'ingest', 'Import big');
  await page.getByRole('link', { name: 'Extraction' }).click();
  await fillExtraction(page, { text: TEXT, layer: 0, contextSize: 128, batchSize: 64, backend: 'wasm' });
  await page.getByTestId('extract-start').click();
  await stopsForQuota(page, cdp, origin, 'extract', 'Extract blocks.0.hook_resid_post');
  await train(page, { name: 'big-run', dIn: '64', nFeatures: '128', dSae: '2048', k: '8', batchSize: '64', totalSteps: '10', checkpointEvery: '5' });
  await stopsForQuota(page, cdp, origin, 'train', 'Train big-run');

  // 3. The Jobs page shows each with its message.
  await page.getByRole('link', { name: 'Jobs' }).click();
  await expect(page.getByTestId('job-queue').getByTestId('job-row')).toHaveCount(3);
  await expect(page.getByTestId('job-queue').getByText('quota-exceeded: Browser storage is full')).toHaveCount(3);

  // 4. No partial record: none of the three stored a chunk or checkpoint, and what was stored before is unchanged and readable.
  expect(await chunkDigest(page)).toEqual(before);
  const big = (await storedRows<{ name: string; rows: number; chunkRows: number[]; status: string }>(page, 'datasets')).find((d) => d.name === 'big');
  expect(big).toMatchObject({ rows: 0, chunkRows: [], status: 'ingesting' });
  expect(await storedRows<{ status: string; chunks: number }>(page, 'activationSets')).toMatchObject([{ status: 'running', chunks: 0 }]);
  const bigRun = (await storedRows<{ id: string; name: string }>(page, 'runs')).find((r) => r.name === 'big-run')!;
  expect((await storedRows<{ runId: string }>(page, 'checkpoints')).filter((c) => c.runId === bigRun.id)).toEqual([]);
  await page.getByRole('link', { name: 'Datasets' }).click();
  await page.locator('[data-testid="dataset-row"][data-name="kept"]').click();
  await page.getByTestId('sample-search').fill('line 499');
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('sample-text')).toHaveText(['kept line 499']);

  // 5. Room again: Resume finishes each from where it paused.
  await setQuota(cdp, origin, ROOM);
  await page.getByRole('link', { name: 'Jobs' }).click();
  const resume = page.getByTestId('job-queue').getByRole('button', { name: 'Resume' });
  for (let left = 3; left > 0; left--) {
    await resume.first().click();
    await expect(resume).toHaveCount(left - 1);
  }
  await expect.poll(async () => statuses(page), { timeout: 90_000 }).toEqual(['extract:done', 'ingest:done', 'ingest:done', 'train:done', 'train:done']);
  const datasets = await storedRows<{ name: string; rows: number; status: string }>(page, 'datasets');
  expect(datasets.find((d) => d.name === 'big')).toMatchObject({ rows: BIG.length, status: 'ready' });
  const [set] = await storedRows<{ id: string; status: string; chunks: number }>(page, 'activationSets');
  expect(set.status).toBe('ready');
  const after = await chunkDigest(page);
  expect(after.filter((c) => c.startsWith(`activationChunks/${set.id}/`))).toHaveLength(set.chunks);
  const checkpoints = await storedRows<{ runId: string; step: number }>(page, 'checkpoints');
  expect(checkpoints.filter((c) => c.runId === bigRun.id).map((c) => c.step).sort((a, b) => a - b)).toEqual([5, 10]);
  const steps = (await storedRows<{ runId: string; step: number }>(page, 'metrics')).filter((m) => m.runId === bigRun.id).map((m) => m.step);
  expect(steps.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  expect(after).toEqual(expect.arrayContaining(before));
  await page.evaluate(() => indexedDB.deleteDatabase('quota-scratch'));
});
