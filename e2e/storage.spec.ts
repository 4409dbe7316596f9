// Storage page: export everything, import it back (merge adds what is missing, replace restores
// the export); corrupt, truncated or foreign files are refused with where and why, and change nothing.
import { expect, test, type Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';
import { storedRows } from './idb';

async function rows(page: Page, table: string): Promise<number> {
  return Number(await page.getByTestId(`table-${table}`).getByTestId('rows').textContent());
}

async function runQuickSelfTest(page: Page) {
  await page.goto('/system');
  await expect(page.getByTestId('worker-status')).toHaveText('ready');
  await page.getByTestId('run-self-test').click();
  await expect(page.getByTestId('self-test-row').first()).toContainText('matched reference', { timeout: 120_000 });
}

async function deleteAll(page: Page, table: string) {
  await page.getByTestId(`table-${table}`).click();
  await expect(page.getByRole('heading', { name: `Records in ${table}` })).toBeVisible();
  for (let left = await rows(page, table); left > 0; left--) {
    await page.getByTestId('record-row').first().getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => rows(page, table)).toBe(left - 1);
  }
}

async function importFile(page: Page, file: string, mode: 'merge' | 'replace') {
  await page.getByTestId('import-file').setInputFiles(file);
  const dialog = page.getByRole('dialog');
  if (mode === 'replace') {
    await dialog.getByRole('radio', { name: /^Replace/ }).check();
    await dialog.getByRole('button', { name: 'Replace everything' }).click();
  } else {
    await dialog.getByRole('button', { name: 'Import and merge' }).click();
  }
}

/** What is really stored in the tables the self-test writes. */
const stored = async (page: Page) => ({ jobs: await storedRows(page, 'jobs'), selfTests: await storedRows(page, 'selfTests') });

test('export, then merge and replace imports restore the records; corrupt files change nothing', async ({ page }, info) => {
  await runQuickSelfTest(page);
  await page.getByRole('link', { name: 'Storage' }).click();
  await expect(page.getByTestId('table-jobs')).toBeVisible();
  expect(await rows(page, 'jobs')).toBe(1);
  expect(await rows(page, 'selfTests')).toBe(1);
  await page.getByTestId('table-selfTests').click();
  await expect(page.getByTestId('record-row').first()).toContainText('selftest_');
  const recordText = await page.getByTestId('record-row').first().textContent();

  // 1. Export to a file.
  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('export').click();
  const download = await downloadPromise;
  const exportPath = info.outputPath('lantern-export.json');
  await download.saveAs(exportPath);
  expect(download.suggestedFilename()).toMatch(/^lantern-export-.*\.json$/);
  const text = await readFile(exportPath, 'utf8');

  // 2. Corrupt exports are refused in replace mode, say where, and leave every stored row as it was.
  const before = await stored(page);
  const json = JSON.parse(text) as { data: { data: { tableName: string; rows: Record<string, unknown>[] }[] } };
  const rowsOf = (j: typeof json, table: string) => j.data.data.find((d) => d.tableName === table)!.rows;
  const wrongType = structuredClone(json);
  rowsOf(wrongType, 'selfTests')[0].passed = 'yes';
  const garbage = structuredClone(json);
  rowsOf(garbage, 'jobs')[0] = 'garbage' as unknown as Record<string, unknown>;
  const files = {
    wrongType: info.outputPath('wrong-type.json'),
    garbage: info.outputPath('garbage.json'),
    truncated: info.outputPath('truncated.json'),
    foreign: info.outputPath('foreign.json'),
  };
  await writeFile(files.wrongType, JSON.stringify(wrongType));
  await writeFile(files.garbage, JSON.stringify(garbage));
  await writeFile(files.truncated, text.slice(0, Math.floor(text.length / 2)));
  await writeFile(files.foreign, JSON.stringify({ formatName: 'dexie', formatVersion: 1, data: { databaseName: 'someone-else', databaseVersion: 1, tables: [], data: [] } }));
  for (const [file, message] of [
    [files.wrongType, /Table "selfTests", row 1 \(key "selftest_\w+"\), field "passed": expected true or false, found a string "yes"/],
    [files.garbage, /Table "jobs", row 1: not a record/],
    [files.truncated, /not valid JSON/],
    [files.foreign, /another database/],
  ] as const) {
    await importFile(page, file, 'replace');
    await expect(page.getByTestId('import-error')).toContainText(message);
    await expect(page.getByTestId('import-error')).toContainText('Nothing was changed');
    await expect(page.getByTestId('import-result')).toHaveCount(0);
    expect(await stored(page)).toEqual(before);
  }
  await expect(page.getByTestId('toast').filter({ hasText: 'Import complete' })).toHaveCount(0);

  // 3. Merge: with the self-test result deleted, the export adds it back and keeps the job that is still here.
  await deleteAll(page, 'selfTests');
  await importFile(page, exportPath, 'merge');
  await expect(page.getByTestId('import-result')).toContainText(/Merged lantern-export\.json: 1 record added, \d+ records? already here and kept\./);
  await expect(page.getByTestId('import-error')).toHaveCount(0);
  await expect.poll(() => rows(page, 'selfTests')).toBe(1);
  expect(await rows(page, 'jobs')).toBe(1);
  expect(await stored(page)).toEqual(before);

  // 4. Replace: delete everything, and the export brings back the same records.
  await deleteAll(page, 'selfTests');
  await deleteAll(page, 'jobs');
  await expect.poll(() => rows(page, 'jobs')).toBe(0);
  await importFile(page, exportPath, 'replace');
  await expect(page.getByTestId('toast').filter({ hasText: 'Import complete' }).filter({ hasText: 'Replaced' })).toBeVisible();
  await expect(page.getByTestId('import-result')).toContainText(/Replaced \d+ records? with the \d+ records? of lantern-export\.json\./);
  await expect.poll(() => rows(page, 'jobs')).toBe(1);
  await expect.poll(() => rows(page, 'selfTests')).toBe(1);
  expect(await stored(page)).toEqual(before);
  await page.getByTestId('table-selfTests').click();
  await expect(page.getByTestId('record-row').first()).toHaveText(recordText!);
  await page.goto('/system');
  await expect(page.getByTestId('self-test-row').first()).toContainText('matched reference');
});
