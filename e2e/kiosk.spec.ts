// Kiosk: a training run shown live in full screen, panels cycling on the (Playwright-driven) clock, the
// wake lock requested or its refusal shown, a reload back to the kiosk with the run resumed; with no
// runs it says what to do; a run id that is not stored and a bad cycle are said, with a way out.
import { mkdir } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';

const SHOTS = process.env.LANTERN_SHOTS;

/** Screenshots at the two display sizes a kiosk meets, when LANTERN_SHOTS names a folder. */
async function shoot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  await mkdir(SHOTS, { recursive: true });
  for (const [w, h] of [
    [1920, 1080],
    [1280, 720],
  ]) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${SHOTS}/${name}-${w}x${h}.png` });
  }
  await page.setViewportSize({ width: 1360, height: 860 });
}

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
  await shoot(page, 'kiosk-empty');

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
  await shoot(page, 'kiosk-loss');
  for (const next of ['sparsity', 'density', 'throughput', 'queue', 'loss']) {
    await page.clock.fastForward(60_000);
    await expect(panel).toHaveAttribute('data-panel', next);
    if (next !== 'loss') await shoot(page, `kiosk-${next}`);
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
