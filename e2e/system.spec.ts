// System page: the adapter and its limits are shown; the self-test job runs from the UI,
// shows progress, and its result (matched reference) is listed.
import { expect, test } from '@playwright/test';

test('System shows the SwiftShader adapter and its limits, and the self-test runs end to end', async ({ page }) => {
  await page.goto('/system');
  await expect(page.getByTestId('worker-status')).toHaveText('ready');
  await expect(page.getByTestId('adapter-architecture')).toHaveText(/swiftshader/i);
  await expect(page.getByTestId('limits')).toContainText('maxStorageBufferBindingSize');
  await expect(page.getByTestId('features')).toContainText('timestamp-query');
  await expect(page.getByTestId('device-chip')).not.toContainText('no WebGPU');

  await page.getByTestId('run-self-test').click();
  const progress = page.getByTestId('self-test-progress');
  await expect(progress).toBeVisible();
  await expect(page.getByTestId('active-job')).toContainText('GPU self-test');
  await expect(progress).toContainText(/GFLOP\/s/, { timeout: 60_000 });

  const row = page.getByTestId('self-test-row').first();
  await expect(row).toContainText('matched reference', { timeout: 120_000 });
  await expect(row).toContainText('swiftshader');
  await expect(row).toContainText('512×384×256');
  await expect(page.getByTestId('toast').filter({ hasText: 'Finished: GPU self-test' })).toBeVisible();
  await expect(progress).toBeHidden();
});
