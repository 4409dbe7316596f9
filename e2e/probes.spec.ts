// Probe texts in the built app: a run on the GPT-2 fixture with typed probe texts, and a synthetic run
// with ground-truth probes; scrubbed to a past step, the Probe texts panel shows the snapshot stored at
// or before it — each probe's NMSE, rank, tokens and per-token error equal the rows read from IndexedDB.
// Exported and imported, the run's probes replay again; a file with a truncated probe snapshot imports
// with a message and the panel shows the valid one before it.
import { expect, test, type Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';
import { unzipSync, zipSync } from 'fflate';
import { startHubMirror, type HubMirror } from '../scripts/hub-mirror';
import { buildFixtureRepo, FIXTURE_ORG } from '../src/lm/fixtures/repos';
import { decodeProbeBytes } from '../src/replay/probes';
import { visibleToken } from '../src/features/tokens';
import { storedRows } from './idb';
import { exportAndDelete, scrubTo } from './runs';
import { addHubModel } from './models';

const GPT2 = `${FIXTURE_ORG}/tiny-gpt2`;
let mirror: HubMirror;
test.beforeAll(async () => {
  mirror = await startHubMirror({ repos: { [GPT2]: buildFixtureRepo('tiny-gpt2').files } });
});
test.afterAll(() => mirror.close());

/** The run's stored probe tokens and its probe snapshot at `step`, decoded from the probeChunks row. */
async function storedProbes(page: Page, runId: string, step: number) {
  const run = (await storedRows<{ id: string; probeTokens?: string[][] }>(page, 'runs')).find((r) => r.id === runId)!;
  const row = (await storedRows<{ ownerId: string; index: number; bytes: number[] }>(page, 'probeChunks')).find((r) => r.ownerId === runId && r.index === step)!;
  return { tokens: run.probeTokens!, snap: decodeProbeBytes(step, Uint8Array.from(row.bytes).buffer)! };
}

/** The panel shows the stored snapshot at `snapStep`: every probe's NMSE and rank, every token's text and error, top latents on hover. */
async function expectProbesShown(page: Page, runId: string, snapStep: number) {
  const panel = page.getByTestId('probe-panel');
  await expect(panel).toHaveAttribute('data-step', String(snapStep));
  const { tokens, snap } = await storedProbes(page, runId, snapStep);
  const rows = panel.getByTestId('probe-row');
  await expect(rows).toHaveCount(tokens.length);
  const ranked = snap.probes.map((p, i) => ({ i, nmse: p.nmse })).sort((a, b) => a.nmse - b.nmse || a.i - b.i);
  for (let r = 0; r < ranked.length; r++) {
    const row = rows.nth(r);
    const p = ranked[r].i;
    await expect(row).toHaveAttribute('data-probe', String(p));
    await expect(row).toHaveAttribute('data-nmse', String(snap.probes[p].nmse));
    const toks = row.getByTestId('probe-token');
    await expect(toks).toHaveCount(tokens[p].length);
    await expect(toks).toHaveText(tokens[p].map(visibleToken));
    for (let t = 0; t < tokens[p].length; t++) await expect(toks.nth(t)).toHaveAttribute('data-err', String(snap.probes[p].err[t]));
    const top = snap.probes[p].latents[0];
    if (top >= 0) await expect(toks.first()).toHaveAttribute('title', new RegExp(`top latents ${top} \\(`));
  }
  return snap;
}

test('typed probe texts on a model run: the panel at a scrubbed step shows the stored probe snapshot', async ({ page }, info) => {
  test.setTimeout(420_000);
  await addHubModel(page, mirror.url, GPT2);

  await page.getByRole('link', { name: 'Training' }).click();
  await page.locator('[name="sourceType"]').selectOption('live');
  await page.locator('[name="liveModelId"]').selectOption({ index: 1 });
  await page.locator('[name="liveHook"]').selectOption('blocks.0.hook_resid_post');
  await page.locator('[name="liveText"]').fill('Lanterns glow in the evening while the river runs past the old mill. '.repeat(10));
  const probes = ['The river runs past the mill.', 'Lanterns glow in the evening.'];
  await page.locator('[name="probeTexts"]').fill(probes.join('\n'));
  for (const [name, value] of Object.entries({ liveContextSize: '16', liveContexts: '4', name: 'gpt2-probes', dSae: '96', k: '8', batchSize: '32', totalSteps: '60', checkpointEvery: '30' })) {
    await page.locator(`[name="${name}"]`).fill(value);
  }
  await page.getByTestId('start-training').click();
  await expect(page).toHaveURL(/\/runs\/[^/?]+$/);
  const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 240_000 });

  // The stored probe tokens are the typed texts, token by token.
  const { tokens } = await storedProbes(page, runId, 50);
  expect(tokens.map((t) => t.join(''))).toEqual(probes);

  // Scrubbed to step 55: the snapshot of step 50; the NMSE chart's cursor sits at 55.
  await scrubTo(page, 55);
  await expect(page).toHaveURL(/\?step=55$/);
  await expect(page.getByTestId('chart-probes')).toHaveAttribute('data-cursor-step', '55');
  await expectProbesShown(page, runId, 50);
  // Before the first snapshot the panel shows none.
  await scrubTo(page, 20);
  await expect(page.getByTestId('probe-panel')).not.toHaveAttribute('data-step');
  await expect(page.getByTestId('probe-row')).toHaveCount(0);
  // A reload with ?step= returns to the same probe view.
  await page.goto(`/runs/${encodeURIComponent(runId)}?step=58`);
  await expectProbesShown(page, runId, 50);
  await page.getByTestId('probe-panel').screenshot({ path: info.outputPath('probe-panel-model.png') });
});

test('a synthetic run records ground-truth probes and their MMCS at every snapshot', async ({ page }, info) => {
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  const form = { name: 'e2e-probes-synth', dIn: '16', nFeatures: '64', dSae: '64', k: '4', batchSize: '32', totalSteps: '160', checkpointEvery: '80' };
  for (const [name, value] of Object.entries(form)) await page.locator(`[name="${name}"]`).fill(value);
  await page.getByTestId('start-training').click();
  await expect(page).toHaveURL(/\/runs\/[^/?]+$/);
  const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  const steps = (await storedRows<{ ownerId: string; index: number }>(page, 'probeChunks')).filter((r) => r.ownerId === runId).map((r) => r.index).sort((a, b) => a - b);
  expect(steps).toEqual([50, 100, 150]);

  await page.goto(`/runs/${encodeURIComponent(runId)}?step=120`);
  const snap = await expectProbesShown(page, runId, 100);
  await expect(page.getByTestId('chart-mmcs')).toHaveAttribute('data-cursor-step', '120');
  await expect(page.getByTestId('probe-mmcs')).toHaveAttribute('data-mmcs', String(snap.mmcs));
  expect(snap.mmcs).toBeGreaterThan(0);
  await expect(page.getByTestId('probe-token').first()).toHaveText(/^f\d+(\+f\d+)*$/);
  await page.getByTestId('probe-panel').screenshot({ path: info.outputPath('probe-panel-synthetic.png') });

  // Exported, deleted and imported, the probes replay from the file.
  const file = info.outputPath('probes.lantern-run.zip');
  await exportAndDelete(page, 'e2e-probes-synth', file);
  const bytes = await readFile(file);
  await page.getByTestId('import-run').setInputFiles(file);
  await expect(page.getByTestId('toast').filter({ hasText: 'Run imported' })).toBeVisible();
  await page.goto(`/runs/${encodeURIComponent(runId)}?step=120`);
  await expectProbesShown(page, runId, 100);

  // A file whose probe snapshot at step 100 is cut short: imported with a message; step 120 shows the one at 50.
  await exportAndDelete(page, 'e2e-probes-synth', file);
  const files = unzipSync(bytes);
  files['probes/100.bin'] = files['probes/100.bin'].subarray(0, 40);
  const truncated = info.outputPath('truncated.lantern-run.zip');
  await writeFile(truncated, zipSync(files));
  await page.getByTestId('import-run').setInputFiles(truncated);
  await expect(page.getByTestId('toast').filter({ hasText: 'Run imported without its truncated snapshots' })).toBeVisible();
  await page.goto(`/runs/${encodeURIComponent(runId)}?step=120`);
  await expect(page.getByTestId('run-import-note')).toContainText('probe snapshots at step 100 are truncated');
  await expectProbesShown(page, runId, 50);
});
