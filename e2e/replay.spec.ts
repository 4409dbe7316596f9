// Replay in the built app: while a synthetic run trains, scrub back (the histogram shown is the
// snapshot stored at or before that step, the cards that step's stored values, the charts' cursor
// there), press Live and it follows, reload with ?step= and the same state returns, a ?step= past the
// run is clamped with a message, and a finished run replays (keys, checkpoint ticks, play). The latent
// timeline marks the stored latent snapshot at that step. Exported and imported on the Runs page it
// replays again; a file with truncated snapshots imports with a message and replays the valid ones.
import { expect, test, type Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { formatValue } from '../src/components/runConfig';
import { storedRows } from './idb';
import { exportAndDelete, scrubTo } from './runs';

interface Row {
  runId: string;
  step: number;
  values: Record<string, number>;
  histograms?: { densityLog10: { counts: number[] }; decoderNorm: { counts: number[] } };
}

const stepOf = async (page: Page, id: string) => Number((await page.getByTestId(id).textContent())!.match(/step (\d+)/)![1]);

/** The stored row at `step` and the stored snapshot at or before it. */
async function stored(page: Page, runId: string, step: number) {
  const rows = (await storedRows<Row>(page, 'metrics')).filter((r) => r.runId === runId && r.step <= step).sort((a, b) => a.step - b.step);
  const snap = rows.filter((r) => r.histograms).at(-1);
  return { values: rows.at(-1)!.values, snap: snap && { step: snap.step, density: snap.histograms!.densityLog10.counts.join(','), norms: snap.histograms!.decoderNorm.counts.join(',') } };
}

/** Every panel shows `step`: the scrub readout, the charts' cursor, the cards, both histograms. */
async function expectShown(page: Page, runId: string, step: number) {
  await expect(page.getByTestId('replay-step')).toHaveText(`step ${step}`);
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-cursor-step', String(step));
  const want = await stored(page, runId, step);
  if (want.snap) {
    await expect(page.getByTestId('snapshot-density')).toHaveAttribute('data-step', String(want.snap.step));
    await expect(page.getByTestId('snapshot-density')).toHaveAttribute('data-counts', want.snap.density);
    await expect(page.getByTestId('snapshot-norms')).toHaveAttribute('data-counts', want.snap.norms);
    await expect(page.getByTestId('hist-density')).toContainText(`at step ${want.snap.step}`);
    const latents = (await storedRows<{ ownerId: string; index: number; bytes: number[] }>(page, 'latentChunks')).find((r) => r.ownerId === runId && r.index === want.snap!.step)!;
    const fires = new Uint32Array(Uint8Array.from(latents.bytes).buffer).subarray(1);
    await expect(page.getByTestId('latent-timeline')).toHaveAttribute('data-step', String(want.snap.step));
    await expect(page.getByTestId('latent-timeline')).toHaveAttribute('data-latents', String(fires.length));
    await expect(page.getByTestId('latent-timeline')).toHaveAttribute('data-alive', String(fires.filter((f) => f > 0).length));
  } else {
    await expect(page.getByTestId('snapshot-density')).not.toHaveAttribute('data-step');
    await expect(page.getByTestId('hist-density')).toContainText(`none recorded at or before step ${step}`);
  }
  await expect(page.getByTestId('stat-loss')).toHaveText(formatValue(want.values.loss));
  await expect(page.getByTestId('stat-l0')).toHaveText(formatValue(want.values.l0));
}

test('a run replays at any step while it trains and after it finishes, and the step survives a reload', async ({ page }, info) => {
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  const form = { name: 'e2e-replay', dIn: '16', nFeatures: '64', dSae: '64', k: '4', batchSize: '32', totalSteps: '20000', checkpointEvery: '100' };
  for (const [name, value] of Object.entries(form)) await page.locator(`[name="${name}"]`).fill(value);
  await page.getByTestId('start-training').click();
  await expect(page).toHaveURL(/\/runs\/[^/?]+$/);
  const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
  await expect.poll(() => stepOf(page, 'run-step'), { timeout: 120_000 }).toBeGreaterThan(230);

  // 1. Drag back to step 150 while it runs: the URL, cursor, cards and snapshot (step 100) follow.
  await scrubTo(page, 150);
  await expect(page).toHaveURL(/\?step=150$/);
  await expectShown(page, runId, 150);
  await expect(page.getByTestId('scrub-live')).toBeEnabled();
  // 2. Keys: → one step, Shift+← back to the checkpoint at 100, Shift+→ on to the one at 200.
  await page.getByTestId('scrub-range').press('ArrowRight');
  await expectShown(page, runId, 151);
  await page.getByTestId('scrub-range').press('Shift+ArrowLeft');
  await expectShown(page, runId, 100);
  await page.getByTestId('scrub-range').press('Shift+ArrowRight');
  await expectShown(page, runId, 200);
  await expect(page.getByTestId('run-step')).not.toHaveText('step 200 / 20000');

  // 3. Live follows the newest step again.
  await page.getByTestId('scrub-live').click();
  await expect(page).toHaveURL(/\/runs\/[^?]+$/);
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-cursor-step', 'live');
  const liveAt = await stepOf(page, 'replay-step');
  await expect.poll(() => stepOf(page, 'replay-step'), { timeout: 60_000 }).toBeGreaterThan(liveAt + 10);

  // 4. A reload with ?step= returns to the same state; a step past the run is clamped with a message.
  await page.goto(`/runs/${encodeURIComponent(runId)}?step=150`);
  await expectShown(page, runId, 150);
  await expect(page.getByTestId('replay-message')).toHaveCount(0);
  await page.goto(`/runs/${encodeURIComponent(runId)}?step=9999999`);
  await expect(page.getByTestId('replay-message')).toContainText('Step 9999999 is beyond this run, which has steps 1–');
  await expect(page.getByTestId('toast').filter({ hasText: 'Resumed: Train e2e-replay' }).first()).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('run-dashboard').getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 60_000 });

  // 5. The finished run: a checkpoint tick moves there and offers its actions; Home, then play.
  await page.goto(`/runs/${encodeURIComponent(runId)}?step=250`);
  await expectShown(page, runId, 250);
  await page.getByTestId('scrub-tick').and(page.locator('[data-step="100"]')).click();
  await expectShown(page, runId, 100);
  await page.getByTestId('latent-canvas').click({ position: { x: 5, y: 2 } });
  await expect(page.getByTestId('latent-curve')).toContainText('born at step');
  const menu = page.getByTestId('scrub-menu');
  await expect(menu.getByRole('link', { name: 'Open in library' })).toHaveAttribute('href', /\/library\?ckpt=/);
  await expect(menu.getByRole('link', { name: 'Analyse features at this checkpoint' })).toHaveAttribute('href', /\/features\//);
  await menu.getByRole('button', { name: 'Branch from here' }).click();
  await expect(page.getByTestId('branch-dialog')).toBeVisible();
  await page.getByTestId('branch-dialog').getByRole('button', { name: 'Cancel' }).click();
  await page.getByTestId('scrub-range').press('Home');
  await expectShown(page, runId, 1);
  await page.getByTestId('scrub-speed').selectOption('1000');
  await page.getByTestId('scrub-play').click();
  await expect.poll(() => stepOf(page, 'replay-step'), { timeout: 30_000 }).toBeGreaterThan(120);

  // 6. Exported, deleted and imported on the Runs page, the run replays from its file.
  const file = info.outputPath('replay.lantern-run.zip');
  await exportAndDelete(page, 'e2e-replay', file);
  await page.getByTestId('import-run').setInputFiles(file);
  await expect(page.getByTestId('toast').filter({ hasText: 'Run imported' })).toBeVisible();
  await page.goto(`/runs/${encodeURIComponent(runId)}?step=250`);
  await expectShown(page, runId, 250);
  await expect(page.getByTestId('run-import-note')).toHaveCount(0);

  // 7. A file whose snapshot at step 200 is cut short: imported with a message, replay shows the valid ones.
  await exportAndDelete(page, 'e2e-replay', file);
  const files = unzipSync(await readFile(file));
  const metrics = JSON.parse(strFromU8(files['metrics.json'])) as Row[];
  metrics.find((r) => r.step === 200)!.histograms!.densityLog10.counts.splice(3);
  files['metrics.json'] = strToU8(JSON.stringify(metrics));
  files['latents/200.bin'] = files['latents/200.bin'].subarray(0, 40);
  const truncated = info.outputPath('truncated.lantern-run.zip');
  await writeFile(truncated, zipSync(files));
  await page.getByTestId('import-run').setInputFiles(truncated);
  await expect(page.getByTestId('toast').filter({ hasText: 'Run imported without its truncated snapshots' })).toBeVisible();
  await page.goto(`/runs/${encodeURIComponent(runId)}?step=220`);
  await expect(page.getByTestId('run-import-note')).toContainText('histograms at step 200 and latent snapshots at step 200 are truncated');
  await expectShown(page, runId, 220);
  const valid = (await page.getByTestId('snapshot-density').getAttribute('data-step'))!;
  expect(Number(valid)).toBeLessThan(200);
  await expect(page.getByTestId('latent-timeline')).toHaveAttribute('data-step', valid);
});
