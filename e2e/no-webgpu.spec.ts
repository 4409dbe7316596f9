// Chromium without the WebGPU flags: the app loads, says WebGPU is unavailable, and the rest works.
import { expect, test } from '@playwright/test';

test('without WebGPU the app explains it and the rest of the UI still works', async ({ page }) => {
  await page.goto('/system');
  const notice = page.getByTestId('webgpu-notice');
  await expect(notice).toBeVisible({ timeout: 60_000 });
  await expect(notice).toContainText('WebGPU is unavailable');
  await expect(notice).toContainText('Still working without it');
  await page.getByRole('button', { name: 'Continue without WebGPU' }).click();
  await expect(page.getByTestId('webgpu-banner')).toBeVisible();
  await expect(page.getByTestId('run-self-test')).toBeDisabled();

  await page.getByRole('link', { name: 'Storage' }).click();
  await expect(page.getByTestId('table-jobs')).toBeVisible();
  await expect(page.getByTestId('export')).toBeEnabled();
  await page.getByRole('link', { name: 'Jobs' }).click();
  await expect(page.getByTestId('job-queue')).toContainText('Nothing running or waiting.');
});
