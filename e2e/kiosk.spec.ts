// Kiosk: a training run shown live in full screen, panels cycling on the (Playwright-driven) clock (the
// replay playing the run's history), the wake lock requested or its refusal shown, a reload back to the
// kiosk with the run resumed; the features panel with an analysed SAE's map and densest latents, the
// steering panel with the favourite preset; with no runs, analysis or preset it says what to do; a run
// id that is not stored and a bad cycle are said, with a way out.
import { expect, test, type Page } from '@playwright/test';
import { demoTopkZip } from './sae';
import { KIOSK_SIZES, shoot } from './shots';
import { addDemoModel } from './models';

const stepOf = async (page: Page) => Number((await page.getByTestId('kiosk-step').textContent())!.match(/step (\d+)/)![1]);

async function startRun(page: Page, name: string): Promise<void> {
  await page.goto('/training');
  await expect(page.getByTestId('start-training')).toBeEnabled();
  const values = { name, dIn: '16', nFeatures: '64', dSae: '64', k: '4', batchSize: '64', totalSteps: '100000', checkpointEvery: '20' };
  for (const [field, value] of Object.entries(values)) await page.locator(`[name="${field}"]`).fill(value);
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveText('running');
}

test('with no runs the kiosk says what to do; an unknown run id and a bad cycle are said with a way out', async ({ page }) => {
  await page.goto('/kiosk');
  await expect(page.getByTestId('kiosk-empty')).toContainText('No training runs yet');
  await expect(page.getByTestId('kiosk-empty')).toContainText('Start one from Training');
  await expect(page.locator('nav.nav')).toHaveCount(0);
  await shoot(page, 'kiosk-empty', { sizes: KIOSK_SIZES });

  await page.goto('/kiosk?run=run_gone&cycle=abc');
  const problem = page.getByTestId('kiosk-problem');
  await expect(problem).toContainText('No run run_gone is stored on this device');
  await expect(problem).toContainText('cycle must be a number of seconds from 3 to 3600, got "abc"; cycling every 15 s.');
  await expect(page.getByTestId('kiosk-empty')).toBeVisible();
  await problem.getByRole('link', { name: 'Open the kiosk without it' }).click();
  await expect(page).toHaveURL(/\/kiosk$/);
  await expect(page.getByTestId('kiosk-problem')).toHaveCount(0);
});

test('a training run shows live in the kiosk, its panels cycle, the wake lock is requested, and a reload resumes it', async ({ page }) => {
  test.setTimeout(300_000);
  await page.clock.install();
  await startRun(page, 'kiosk-topk');
  await page.goto('/kiosk?cycle=60');

  await expect(page.getByTestId('kiosk-run')).toHaveText('kiosk-topk');
  await expect(page.getByTestId('kiosk-status')).toHaveText('running');
  await expect(page.locator('nav.nav')).toHaveCount(0);
  const first = await stepOf(page);
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(first + 5);
  await expect(page.getByTestId('kiosk-loss')).not.toHaveText('—');

  // The wake lock is asked for; headless Chromium may refuse it, and then the kiosk says so.
  const lock = page.getByTestId('kiosk-wakelock');
  await expect(lock).toHaveAttribute('data-state', /^(held|refused)$/);
  await expect(lock).toHaveText(/^(screen kept on|screen may sleep: wake lock refused \(.+\))$/);

  // Panels cycle every 60 s of the page's clock, in order, back to the first.
  const panel = page.getByTestId('kiosk-panel');
  await expect(panel).toHaveAttribute('data-panel', 'loss');
  await expect(page.getByTestId('kiosk-chart-loss').locator('canvas')).toBeVisible();
  await shoot(page, 'kiosk-loss', { sizes: KIOSK_SIZES });
  // Two histogram snapshots (every 50 steps) before the replay panel comes round.
  await expect.poll(() => stepOf(page), { timeout: 180_000 }).toBeGreaterThan(100);
  for (const next of ['sparsity', 'density', 'throughput', 'queue', 'replay', 'features', 'steering', 'loss']) {
    await page.clock.fastForward(60_000);
    await expect(panel).toHaveAttribute('data-panel', next);
    if (next === 'replay') {
      // The history plays from the first snapshot, one per 1.5 s here; the timeline marks the step replayed.
      const replayed = page.getByTestId('kiosk-replay-step');
      const timeline = page.getByTestId('latent-timeline');
      await expect(replayed).toHaveText(/^\d[\d,]*$/);
      const firstStep = (await replayed.textContent())!.replace(/,/g, '');
      await expect(timeline).toHaveAttribute('data-step', firstStep);
      await expect(page.getByTestId('kiosk-replay-density').locator('canvas')).toBeVisible();
      await page.clock.fastForward(1_500);
      await expect(replayed).not.toHaveText(firstStep);
      const secondStep = (await replayed.textContent())!.replace(/,/g, '');
      expect(Number(secondStep)).toBeGreaterThan(Number(firstStep));
      await expect(timeline).toHaveAttribute('data-step', secondStep);
    }
    // A synthetic run has nothing to analyse and no preset is saved: each panel says what to do instead.
    if (next === 'features') await expect(page.getByTestId('kiosk-features-none')).toContainText('This run trains on synthetic data, so its SAEs read no model');
    if (next === 'steering') await expect(page.getByTestId('kiosk-steering-none')).toContainText('save the set-up as a preset');
    if (next !== 'loss') await shoot(page, `kiosk-${next}`, { sizes: KIOSK_SIZES });
  }
  await expect(page.getByTestId('kiosk-queue')).toHaveCount(0);

  // A reload comes back to the kiosk and the run goes on by itself.
  await page.reload();
  await expect(page.getByTestId('kiosk-run')).toHaveText('kiosk-topk');
  await expect(page.getByTestId('toast').filter({ hasText: 'Resumed: Train kiosk-topk' })).toBeVisible({ timeout: 60_000 });
  const afterReload = await stepOf(page);
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(afterReload + 5);
  await expect(page.getByTestId('kiosk-status')).toHaveText('running');
});

test('the kiosk shows the run named in its address and only the panels asked for', async ({ page }) => {
  test.setTimeout(240_000);
  await startRun(page, 'named-run');
  const runId = decodeURIComponent(page.url().match(/\/runs\/([^/?]+)/)![1]);
  await page.getByTestId('run-dashboard').getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('run-status')).not.toHaveText('running', { timeout: 60_000 });
  await startRun(page, 'other-run');

  await page.goto(`/kiosk?run=${encodeURIComponent(runId)}&panels=queue,density&cycle=5`);
  await expect(page.getByTestId('kiosk-run')).toHaveText('named-run');
  await expect(page.getByTestId('kiosk-panel')).toHaveAttribute('data-panel', 'queue');
  await expect(page.getByTestId('kiosk-queue')).toContainText('Train other-run');
  await expect(page.getByTestId('kiosk-problem')).toHaveCount(0);
});

const D_SAE = 40;
const HOOK = 'blocks.1.hook_resid_post';

test("the features panel shows the active SAE's analysis (map and densest latents) and the steering panel the favourite preset", async ({ page }) => {
  test.setTimeout(480_000);
  // 1. The demo model, an SAE for it imported, made active and analysed on a short text.
  await addDemoModel(page);
  await page.goto('/library');
  await page.getByTestId('import-files').setInputFiles({ name: 'kiosk-sae.zip', mimeType: 'application/zip', buffer: demoTopkZip('kiosk-sae', D_SAE, HOOK) });
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('library-row').filter({ hasText: 'kiosk-sae' })).toHaveCount(1);
  await page.getByTestId('activate').click();
  await expect(page.getByTestId('active-sae')).toContainText('kiosk-sae');
  await page.goto('/features');
  await expect(page.getByTestId('analysis-hook')).toHaveValue(HOOK);
  await page.getByTestId('analysis-source').selectOption('text');
  await page.getByTestId('analysis-text').fill('The lantern glows by the river while the miller counts sacks of grain. Owls call over the quiet water. '.repeat(2));
  await page.getByTestId('analysis-context').fill('16');
  await page.getByTestId('analysis-tokens').fill('0');
  await page.getByTestId('analysis-backend').selectOption('wasm');
  await page.getByTestId('analysis-start').click();
  await expect(page.getByTestId('features-count')).toHaveText(`${D_SAE} of ${D_SAE} latents`, { timeout: 240_000 });

  // 2. A steering preset, saved and starred.
  await page.goto('/steering?latent=3');
  await expect(page.getByTestId('steer-latent-row')).toHaveCount(1);
  await page.getByTestId('steer-prompt').fill('The lantern by the river');
  await page.getByLabel('Template name').fill('river lantern');
  await page.getByTestId('templates').getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('template-row').getByRole('button', { name: 'Favourite' }).click();
  await expect(page.getByTestId('template-row').getByRole('button', { name: 'Unfavourite' })).toBeVisible();

  // 3. With a run training, the kiosk's two panels: the map with the densest latents listed, densest first.
  await startRun(page, 'kiosk-features');
  await page.goto('/kiosk?panels=features,steering&cycle=60');
  await expect(page.getByTestId('kiosk-panel')).toHaveAttribute('data-panel', 'features');
  await expect(page.getByTestId('kiosk-features-sae')).toContainText('SAE kiosk-sae (the active SAE)');
  await expect(page.getByTestId('kiosk-features-sae')).toContainText(`of ${D_SAE} latents fired on`);
  await expect(page.getByTestId('feature-map').locator('canvas')).toBeVisible();
  const listed = page.getByTestId('kiosk-feature');
  await expect(listed.first()).toBeVisible();
  expect(await listed.count()).toBeLessThanOrEqual(8);
  const densities = (await page.locator('.kiosk-feature-density').allTextContents()).map((t) => (t.endsWith('%') ? Number(t.slice(0, -1)) / 100 : Number(t)));
  for (let i = 1; i < densities.length; i++) expect(densities[i - 1]).toBeGreaterThanOrEqual(densities[i]);
  expect(densities.at(-1)).toBeGreaterThan(0);
  await shoot(page, 'kiosk-features-map', { sizes: KIOSK_SIZES });

  // 4. The next panel (→): the starred preset's prompt and latent, and where its texts are generated.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('kiosk-panel')).toHaveAttribute('data-panel', 'steering');
  await expect(page.getByTestId('kiosk-preset-name')).toHaveText('river lantern');
  await expect(page.getByTestId('kiosk-preset-prompt')).toHaveText('“The lantern by the river”');
  await expect(page.getByTestId('kiosk-preset-latent')).toHaveText('#3 additive 8');
  // Labelled from the active SAE's analysis, as its row in the feature list is.
  await expect(page.getByTestId('kiosk-preset-label')).toHaveCount(1);
  await expect(page.getByTestId('kiosk-preset-label')).not.toBeEmpty();
  await shoot(page, 'kiosk-steering-preset', { sizes: KIOSK_SIZES });
});
