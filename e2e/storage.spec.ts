// Storage page: export everything, clear it, import it back and find the same records;
// corrupt or foreign files are refused with a clear error and change nothing.
import { expect, test, type Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';

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

test('export, clear, import restores the same records; bad files change nothing', async ({ page }, info) => {
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

  // 2. Clear: delete every record through the UI.
  await deleteAll(page, 'selfTests');
  await deleteAll(page, 'jobs');
  await expect.poll(() => rows(page, 'jobs')).toBe(0);
  await expect.poll(() => rows(page, 'selfTests')).toBe(0);

  // 3. Bad files are refused and change nothing.
  const text = await readFile(exportPath, 'utf8');
  const truncated = info.outputPath('truncated.json');
  await writeFile(truncated, text.slice(0, Math.floor(text.length / 2)));
  const foreign = info.outputPath('foreign.json');
  await writeFile(foreign, JSON.stringify({ formatName: 'dexie', formatVersion: 1, data: { databaseName: 'someone-else', databaseVersion: 1, tables: [], data: [] } }));
  for (const [file, message] of [
    [truncated, /not valid JSON/],
    [foreign, /another database/],
  ] as const) {
    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByRole('dialog').getByRole('button', { name: 'Import and replace' }).click();
    await expect(page.getByTestId('import-error')).toContainText(message);
    await expect(page.getByTestId('import-error')).toContainText('Nothing was changed');
    expect(await rows(page, 'jobs')).toBe(0);
  }

  // 4. Import the real export: the same records are back.
  await page.getByTestId('import-file').setInputFiles(exportPath);
  await page.getByRole('dialog').getByRole('button', { name: 'Import and replace' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Import complete' })).toBeVisible();
  await expect.poll(() => rows(page, 'jobs')).toBe(1);
  await expect.poll(() => rows(page, 'selfTests')).toBe(1);
  await page.getByTestId('table-selfTests').click();
  await expect(page.getByTestId('record-row').first()).toHaveText(recordText!);
  await page.goto('/system');
  await expect(page.getByTestId('self-test-row').first()).toContainText('matched reference');
});
