// Run helpers for replay specs: move the dashboard's scrub bar, and export then delete a run.
import { expect, type Page } from '@playwright/test';

/** Drags the scrub bar to `step` (sets the range input's value and fires its input event). */
export async function scrubTo(page: Page, step: number): Promise<void> {
  await page.getByTestId('scrub-range').evaluate((el, v) => {
    (el as HTMLInputElement).value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, step);
}

/** Exports the run named `name` from the Runs page to `path`, then deletes it. */
export async function exportAndDelete(page: Page, name: string, path: string): Promise<void> {
  await page.goto('/runs');
  const row = page.getByTestId('run-row').filter({ hasText: name });
  const download = page.waitForEvent('download');
  await row.getByRole('button', { name: 'Export', exact: true }).click();
  await (await download).saveAs(path);
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
}
