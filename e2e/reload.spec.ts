// Reloading mid-job: the self-test resumes from its last step; no job record is lost or duplicated.
import { expect, test } from '@playwright/test';

test('a job running during a reload resumes afterwards and finishes once', async ({ page }) => {
  await page.goto('/system');
  await expect(page.getByTestId('worker-status')).toHaveText('ready');
  await page.getByTestId('run-self-test').click();
  // Wait for at least one finished step (a saved state), then reload mid-job.
  await expect(page.getByTestId('self-test-progress')).toContainText(/GFLOP\/s/, { timeout: 60_000 });
  const before = await page.getByTestId('self-test-progress').getByRole('progressbar').getAttribute('aria-valuenow');
  expect(Number(before)).toBeLessThan(100);
  await page.reload();

  await expect(page.getByTestId('toast').filter({ hasText: 'Resumed: GPU self-test' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('self-test-row').first()).toContainText('matched reference', { timeout: 120_000 });
  await expect(page.getByTestId('self-test-row')).toHaveCount(1);

  await page.getByRole('link', { name: 'Jobs' }).click();
  const rows = page.getByTestId('job-history').getByTestId('job-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('job-queue').getByTestId('job-row')).toHaveCount(0);
});
