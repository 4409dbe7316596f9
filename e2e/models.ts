// Model helpers for specs: the bundled demo model, or a repo downloaded from a local Hub mirror.
import { expect, type Page } from '@playwright/test';

export const DEMO_REPO = 'lantern-fixtures/tiny-gpt2';

/** Adds the bundled demo model from the Models page and waits for its row. */
export async function addDemoModel(page: Page): Promise<void> {
  await page.goto('/models');
  await page.getByTestId('model-demo-add').click();
  await expect(page.locator(`[data-testid="model-row"][data-repo="${DEMO_REPO}"]`)).toBeVisible({ timeout: 60_000 });
}

/** Downloads `repo` from the Hub at `host` through the Models page and waits for its row. */
export async function addHubModel(page: Page, host: string, repo: string): Promise<void> {
  await page.goto('/models');
  await page.getByTestId('model-host').fill(host);
  await page.getByTestId('model-repo').fill(repo);
  await page.getByTestId('model-download').click();
  await expect(page.locator(`[data-testid="model-row"][data-repo="${repo}"]`)).toBeVisible();
}
