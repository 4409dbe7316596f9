// Features end to end: a TopK SAE for the demo model imported as a SAELens zip and made active,
// the analysis run from the Features page, the list sorted by density, a feature page with shaded
// contexts and logits, a similar-feature link, and a label found by search after a reload; the
// feature map is drawn, a click on a point opens its latent, and your own text finds latents; the
// list exports as JSON and Neuronpedia batch JSON; a re-run reloaded mid-way stores what one run stores.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { demoTopkZip } from './sae';
import { storedRows } from './idb';
import { shoot } from './shots';
import { addDemoModel } from './models';

const D_SAE = 40;
const HOOK = 'blocks.1.hook_resid_post';

interface Chunk {
  ownerId: string;
  index: number;
  bytes: number[];
}

/** The ready analysis's stored chunks: SHA-256 of each one's bytes, by chunk index. */
async function readyChunks(page: Page): Promise<{ id: string; hashes: string[]; summary: { rows: { index: number; x: number; y: number }[] } }> {
  const [ready] = (await storedRows<{ id: string; status: string }>(page, 'analyses')).filter((a) => a.status === 'ready');
  const chunks = (await storedRows<Chunk>(page, 'analysisChunks')).filter((c) => c.ownerId === ready.id).sort((a, b) => a.index - b.index);
  const summary = JSON.parse(Buffer.from(chunks[0].bytes).toString('utf8')) as { rows: { index: number; x: number; y: number }[] };
  return { id: ready.id, hashes: chunks.map((c) => `${c.index}:${createHash('sha256').update(Buffer.from(c.bytes)).digest('hex')}`), summary };
}

/** Fills the analysis form with the run this spec compares against. */
async function fillAnalysis(page: Page): Promise<void> {
  await page.getByTestId('analysis-source').selectOption('text');
  await page.getByTestId('analysis-text').fill(TEXT);
  await page.getByTestId('analysis-context').fill('16');
  await page.getByTestId('analysis-tokens').fill('0');
  await page.getByTestId('analysis-window').fill('5');
  await page.getByTestId('analysis-backend').selectOption('wasm');
}

const TEXT = 'The lantern glows by the river while the miller counts sacks of grain. Owls call, and the quick brown fox jumps over the lazy dog. '.repeat(4);

test('analyse the active SAE, sort by density, read a feature, follow a neighbour, label it and find it after a reload, click the map, export; a re-run reloaded mid-way stores what one run stores', async ({ page }) => {
  test.setTimeout(600_000);
  // 1. The demo model, and the SAE imported and made active.
  await addDemoModel(page);
  await page.goto('/library');
  await page.getByTestId('import-files').setInputFiles({ name: 'demo-topk.zip', mimeType: 'application/zip', buffer: demoTopkZip('demo-topk', D_SAE, HOOK) });
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('library-row').filter({ hasText: 'demo-topk' })).toHaveCount(1);
  await page.getByTestId('activate').click();
  await expect(page.getByTestId('active-sae')).toContainText('demo-topk');

  // 2. Features opens the active SAE with its model and hook filled in; analyse pasted text.
  await page.getByRole('link', { name: 'Features' }).click();
  await expect(page.getByTestId('analysis-hook')).toHaveValue(HOOK);
  await expect(page.getByTestId('analysis-model')).not.toHaveValue('');
  await fillAnalysis(page);
  await page.getByTestId('analysis-start').click();
  await expect(page.getByTestId('features-count')).toHaveText(`${D_SAE} of ${D_SAE} latents`, { timeout: 150_000 });
  await expect(page.getByTestId('analysis-meta')).toContainText('encoder on WebGPU');
  await expect(page.getByTestId('feature-map').locator('canvas')).toBeVisible();

  // 3. Test your own text: latents ranked by their max over it, each linking to its page.
  await page.getByTestId('probe-text').fill('the miller and the fox');
  await page.getByTestId('probe-run').click();
  await expect(page.getByTestId('probe-link').first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('probe-tokens').locator('.tok')).not.toHaveCount(0);

  // 4. Sort by density, densest first.
  await page.getByTestId('sort-density').click();
  await expect(page.getByTestId('sort-density')).toHaveAttribute('aria-sort', 'descending');
  const densities = (await page.getByTestId('cell-density').allTextContents()).map((t) => (t.endsWith('%') ? Number(t.slice(0, -1)) / 100 : Number(t)));
  for (let i = 1; i < densities.length; i++) expect(densities[i - 1]).toBeGreaterThanOrEqual(densities[i]);
  expect(densities[0]).toBeGreaterThan(0);
  await shoot(page, 'features-list');

  // 5. The densest latent's page: shaded contexts and logits.
  const first = page.getByTestId('feature-row').first();
  const index = await first.getAttribute('data-index');
  await first.click();
  await expect(page).toHaveURL(new RegExp(`/features/[^/]+/${index}$`));
  const contexts = page.getByTestId('top-contexts').getByTestId('context');
  await expect(contexts.first()).toBeVisible();
  expect(await contexts.count()).toBeGreaterThan(0);
  expect(await contexts.count()).toBeLessThanOrEqual(20);
  const shaded = page.getByTestId('top-contexts').locator('.tok-on').first();
  await expect(shaded).toHaveAttribute('title', /^activation [\d.e-]+ · token \d+$/);
  await expect(page.getByTestId('logits-top').locator('tr')).toHaveCount(10);
  await expect(page.getByTestId('logits-bottom').locator('tr')).toHaveCount(10);
  // Your own text, shaded by this latent: a prefix of the analysed text holds some of its activations.
  await page.getByTestId('feature-probe-text').fill(TEXT.slice(0, 120));
  await page.getByTestId('feature-probe-run').click();
  await expect(page.getByTestId('feature-probe-tokens').locator('.tok-on').first()).toHaveAttribute('title', /^activation [\d.e-]+ · token \d+$/, { timeout: 60_000 });
  await shoot(page, 'features-page');

  // 6. Follow the nearest similar latent.
  const link = page.getByTestId('neighbour-link').first();
  const neighbour = (await link.textContent())!.replace('#', '');
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/features/[^/]+/${neighbour}$`));
  await expect(page.getByTestId('feature-title')).toContainText(`Latent #${neighbour}`);

  // 7. Label it; after a reload the label is shown and found by search in the list.
  await page.getByTestId('feature-label-input').fill('river words');
  await page.getByTestId('feature-save').click();
  await expect(page.getByTestId('feature-label')).toHaveText('river words');
  await page.reload();
  await expect(page.getByTestId('feature-label')).toHaveText('river words');
  await page.getByTestId('back-to-list').click();
  await page.getByTestId('features-search').fill('river words');
  await expect(page.getByTestId('feature-row')).toHaveCount(1);
  await expect(page.getByTestId('feature-row')).toHaveAttribute('data-index', neighbour);

  // 8. Export the shown latent: JSON, and Neuronpedia batch JSON with the label as its explanation.
  const download = async (testid: string) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
    return JSON.parse(await readFile((await file.path())!, 'utf8')) as Record<string, unknown>;
  };
  const json = (await download('export-json')) as { latents: { index: number; label?: string }[] };
  expect(json.latents.map((l) => [l.index, l.label])).toEqual([[Number(neighbour), 'river words']]);
  const np = (await download('export-neuronpedia')) as { layer: number; features: { feature_index: number; activations: { tokens: string[]; values: number[] }[] }[]; explanations: { index: string; description: string }[] };
  expect(np.layer).toBe(1);
  expect(np.features.map((f) => f.feature_index)).toEqual([Number(neighbour)]);
  for (const a of np.features[0].activations) expect(a.tokens.length).toBe(a.values.length);
  expect(np.explanations).toMatchObject([{ index: neighbour, description: 'river words' }]);

  // 9. Click the most isolated point of the map: its latent's page opens.
  await page.getByTestId('features-search').fill('');
  const uninterrupted = await readyChunks(page);
  const pts = uninterrupted.summary.rows;
  const gap = (p: (typeof pts)[number]) => Math.min(...pts.filter((q) => q !== p).map((q) => Math.hypot(q.x - p.x, q.y - p.y)));
  const target = pts.reduce((a, b) => (gap(b) > gap(a) ? b : a));
  await page.getByTestId('feature-map').scrollIntoViewIfNeeded();
  await shoot(page, 'features-map', { fullPage: false });
  const box = (await page.getByTestId('feature-map').boundingBox())!;
  const [x0, x1] = [Math.min(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.x))];
  const [y0, y1] = [Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.y))];
  // The map's own fit: centred, 0.9 of the tighter side, y upwards.
  const scale = 0.9 * Math.min(box.width / (x1 - x0), box.height / (y1 - y0));
  await page.mouse.click(box.x + box.width / 2 + (target.x - (x0 + x1) / 2) * scale, box.y + box.height / 2 - (target.y - (y0 + y1) / 2) * scale);
  await expect(page).toHaveURL(new RegExp(`/features/[^/]+/${target.index}$`));
  await expect(page.getByTestId('feature-title')).toContainText(`Latent #${target.index}`);

  // 10. Re-run the same analysis and reload while it runs: it resumes, and stores chunk for chunk what the first run stored.
  await page.getByTestId('back-to-list').click();
  await page.getByTestId('analysis-open').click();
  await fillAnalysis(page);
  await page.getByTestId('analysis-start').click();
  await expect
    .poll(async () => (await storedRows<{ kind: string; status: string; state?: { phase?: string } }>(page, 'jobs')).some((j) => j.kind === 'analyze' && j.status === 'running' && j.state?.phase), { intervals: [50] })
    .toBe(true);
  await page.reload();
  await expect.poll(async () => (await readyChunks(page).catch(() => undefined))?.id, { timeout: 150_000 }).not.toBe(uninterrupted.id);
  const again = await readyChunks(page);
  expect(again.hashes).toEqual(uninterrupted.hashes);
});
