// Model library: train a short TopK run, save a named checkpoint, rename it, catch a corrupted
// checkpoint on load, export SAELens, delete the run, refuse bad imports (storing nothing),
// import the export from files and from a Hub mirror, and hot-swap it (the header shows it).
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readFile } from 'node:fs/promises';
import { startHubMirror } from '../scripts/hub-mirror';

async function fill(page: Page, values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) await page.locator(`[name="${name}"]`).fill(value);
}

const rows = (page: Page) => page.getByTestId('library-row');
const row = (page: Page, name: string) => rows(page).filter({ has: page.locator('.ckpt-name', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });

/** Flips one byte of the first chunk of checkpoint `name`, straight in IndexedDB. */
async function corrupt(page: Page, name: string) {
  await page.evaluate(async (target) => {
    const open = indexedDB.open('lantern');
    const db: IDBDatabase = await new Promise((res, rej) => ((open.onsuccess = () => res(open.result)), (open.onerror = () => rej(open.error))));
    const tx = db.transaction(['checkpoints', 'checkpointChunks'], 'readwrite');
    const cks: { id: string; name: string }[] = await new Promise((res) => {
      const req = tx.objectStore('checkpoints').getAll();
      req.onsuccess = () => res(req.result);
    });
    const id = cks.find((c) => c.name === target)!.id;
    const store = tx.objectStore('checkpointChunks');
    const chunk: { bytes: ArrayBuffer } = await new Promise((res) => {
      const req = store.get([id, 0]);
      req.onsuccess = () => res(req.result);
    });
    const bytes = new Uint8Array(chunk.bytes.slice(0));
    bytes[64] ^= 0xff;
    store.put({ ...chunk, bytes: bytes.buffer });
    await new Promise((res) => (tx.oncomplete = res));
    db.close();
  }, name);
}

test('train, save as, rename, detect corruption, export SAELens, delete the run, import it back and hot-swap it', async ({ page }, info) => {
  // 1. A short TopK run on the synthetic source.
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  await fill(page, { name: 'lib-topk', dIn: '16', nFeatures: '48', dSae: '48', k: '4', batchSize: '32', totalSteps: '40', checkpointEvery: '20' });
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 150_000 });

  // 2. Save the newest checkpoint under a name.
  await page.getByTestId('save-checkpoint-as').click();
  await page.getByTestId('save-as-name').fill('my-sae');
  await page.screenshot({ path: info.outputPath('save-as.png') });
  await page.getByTestId('save-as-confirm').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Saved “my-sae” (step 40)' })).toBeVisible();

  // 3. The name went on the step-40 version itself (no second copy); it lists its metrics. Rename it.
  await page.getByRole('link', { name: 'Library' }).first().click();
  await expect(rows(page)).toHaveCount(2);
  await expect(row(page, 'my-sae')).toContainText('v002');
  await expect(row(page, 'my-sae').getByTestId('ckpt-ev')).toHaveText(/^-?\d+\.\d%$/);
  await expect(row(page, 'my-sae').getByTestId('ckpt-l0')).toHaveText(/^\d/);
  await row(page, 'my-sae').click();
  await page.getByTestId('rename-input').fill('my-sae-renamed');
  await page.getByTestId('rename').click();
  await expect(row(page, 'my-sae-renamed')).toHaveCount(1);
  await page.screenshot({ path: info.outputPath('library.png'), fullPage: true });

  // 4. A corrupted chunk is reported on load; the run's other checkpoints still load.
  await corrupt(page, 'v001');
  await row(page, 'v001').click();
  await page.getByTestId('verify').click();
  await expect(page.getByTestId('verify-result')).toContainText('Checkpoint "v001" is corrupted');
  await page.getByTestId('activate').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Could not make it the active SAE' })).toBeVisible();
  await expect(page.getByTestId('active-sae')).toContainText('none');
  await row(page, 'my-sae-renamed').click();
  await page.getByTestId('verify').click();
  await expect(page.getByTestId('verify-result')).toContainText('Verified');

  // 5. Export the renamed checkpoint as a SAELens zip.
  await row(page, 'my-sae-renamed').click();
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-saelens').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('lib-topk-my-sae-renamed.zip');
  const zipPath = info.outputPath('export.zip');
  await download.saveAs(zipPath);
  const zip = new Uint8Array(await readFile(zipPath));
  const entries = unzipSync(zip);
  expect(Object.keys(entries).sort()).toEqual(['lib-topk-my-sae-renamed/cfg.json', 'lib-topk-my-sae-renamed/sae_weights.safetensors', 'lib-topk-my-sae-renamed/sparsity.safetensors']);
  expect(JSON.parse(new TextDecoder().decode(entries['lib-topk-my-sae-renamed/cfg.json']))).toMatchObject({ architecture: 'topk', d_in: 16, d_sae: 48, activation_fn_kwargs: { k: 4 } });

  // 6. Delete the run: every checkpoint goes with it.
  await page.getByTestId('delete-run').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('library-table')).toContainText('No checkpoints yet');

  // 7. Bad imports give a clear error and store nothing.
  const weights = Buffer.from(entries['lib-topk-my-sae-renamed/sae_weights.safetensors']);
  await page.getByTestId('import-files').setInputFiles([
    { name: 'cfg.json', mimeType: 'application/json', buffer: Buffer.from('{"d_in": 16, "d_sae": ') },
    { name: 'sae_weights.safetensors', mimeType: 'application/octet-stream', buffer: weights },
  ]);
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-error')).toContainText('SAELens cfg.json is not valid JSON');
  await page.getByTestId('import-files').setInputFiles([
    { name: 'cfg.json', mimeType: 'application/json', buffer: Buffer.from(entries['lib-topk-my-sae-renamed/cfg.json']) },
    { name: 'sae_weights.safetensors', mimeType: 'application/octet-stream', buffer: weights.subarray(0, weights.length - 100) },
  ]);
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-error')).toContainText('run past the');
  await page.getByTestId('import-files').setInputFiles(zipPath);
  await page.getByTestId('import-din').fill('768');
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-error')).toContainText('This SAE reads d_in = 16 activations, but 768 were expected; nothing was imported.');
  await expect(rows(page)).toHaveCount(0);

  // 8. Import the export and find it in the library.
  await page.getByTestId('import-din').fill('16');
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-error')).toHaveCount(0);
  await expect(row(page, 'lib-topk-my-sae-renamed')).toHaveCount(1);
  await expect(page.getByTestId('checkpoint-detail')).toContainText('export.zip SAELens');

  // 9. Hot-swap it: the header shows it as the active SAE, also after a reload.
  await page.getByTestId('activate').click();
  await expect(page.getByTestId('active-sae')).toContainText('lib-topk-my-sae-renamed');
  await page.reload();
  await expect(page.getByTestId('active-sae')).toContainText('lib-topk-my-sae-renamed');
  await page.getByTestId('active-sae').click();
  await expect(page.getByTestId('active-sae-menu').getByRole('menuitemradio', { checked: true })).toContainText('lib-topk-my-sae-renamed');
  await page.screenshot({ path: info.outputPath('library-imported.png'), fullPage: true });
  await page.keyboard.press('Escape');

  // 10. The same folder from a Hub repo (a local mirror with the Hub's file layout).
  const folder = 'lib-topk-my-sae-renamed';
  const mirror = await startHubMirror({
    repos: { 'org/saes': new Map(Object.entries(entries).map(([name, bytes]) => [name.replace(`${folder}/`, `blocks.0/`), bytes])) },
  });
  try {
    await page.getByTestId('import-hub-tab').click();
    await page.getByTestId('hub-host').fill(mirror.url);
    await page.getByTestId('hub-repo').fill('org/saes');
    await page.getByTestId('hub-path').fill('blocks.0');
    await page.getByTestId('import-name').fill('from-hub');
    await page.screenshot({ path: info.outputPath('library-hub.png'), fullPage: true });
    await page.getByTestId('import-submit').click();
    await expect(row(page, 'from-hub')).toHaveCount(1);
    await expect(page.getByTestId('checkpoint-detail')).toContainText('hub:org/saes@main/blocks.0');
    // 11. Hot-swap from the header menu.
    await page.getByTestId('active-sae').click();
    await page.getByTestId('active-sae-menu').getByRole('menuitemradio', { name: /from-hub/ }).click();
    await expect(page.getByTestId('active-sae')).toContainText('from-hub');
    await expect(row(page, 'from-hub')).toContainText('active');
  } finally {
    await mirror.close();
  }
});

test('branch: a new run starts from a library checkpoint with a changed configuration', async ({ page }, info) => {
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  await fill(page, { name: 'parent', dIn: '16', nFeatures: '48', dSae: '48', k: '4', batchSize: '32', totalSteps: '20', checkpointEvery: '20' });
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 150_000 });

  await page.getByRole('link', { name: 'Library' }).first().click();
  await row(page, 'v001').click();
  await page.getByTestId('branch').click();
  const dialog = page.getByTestId('branch-dialog');
  await expect(dialog).toContainText('Starts from “v001” (topk, d_in 16, d_sae 48)');
  await fill(page, { 'branch-name': 'child', 'branch-totalSteps': '10', 'branch-lr': '0.001', 'branch-k': '6' });
  await page.screenshot({ path: info.outputPath('branch.png') });
  await page.getByTestId('branch-start').click();

  await expect(page).toHaveURL(/\/runs\/run_/);
  await expect(page.getByTestId('run-dashboard')).toContainText('child');
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 150_000 });
  await page.getByTestId('run-config').locator('summary').click();
  await expect(page.getByTestId('run-config').locator('dt', { hasText: 'branched from' }).locator('+ dd')).toHaveText('parent · v001 (step 20)');
  await expect(page.getByTestId('run-step')).toHaveText('step 10 / 10');
});
