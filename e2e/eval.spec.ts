// Evaluation end to end: a SAELens SAE for the demo model imported into the Library, evaluated there on
// pasted text (model and hook preselected from the SAE), its scores shown in the checkpoint's detail and
// its CE loss recovered in the Library table, and the same scores in the features overview.
import { expect, test } from '@playwright/test';
import { identitySae } from '../src/sae/weights.testing';
import { DEMO_D_IN, demoSaeZip } from './sae';
import { addDemoModel } from './models';

const HOOK = 'blocks.1.hook_resid_pre';

test('evaluate an imported SAE from the Library and see its scores there and in the features overview', async ({ page }) => {
  await addDemoModel(page);
  await page.goto('/library');
  await page.getByTestId('import-files').setInputFiles({ name: 'eval-identity.zip', mimeType: 'application/zip', buffer: demoSaeZip('eval-identity', identitySae(DEMO_D_IN), HOOK) });
  await page.getByTestId('import-submit').click();
  const row = page.getByTestId('library-row').filter({ hasText: 'eval-identity' });
  await expect(row).toHaveCount(1);
  await row.click();
  await expect(row.getByTestId('ckpt-ce-score')).toHaveText('—');

  // Model and hook come from the SAE; with no tokenized dataset, pasted text.
  const card = page.getByTestId('eval-card');
  await expect(card.getByTestId('eval-hook')).toHaveValue(HOOK);
  await expect(card.getByTestId('eval-model')).not.toHaveValue('');
  await card.getByTestId('eval-text').fill('The cat sat on the mat. The dog lay by the door, and the bird sang in the tree all morning long.');
  await card.getByTestId('eval-tokens').fill('64');
  await card.getByTestId('eval-start').click();

  await expect(card.getByTestId('eval-ce-score')).toHaveText('1', { timeout: 120_000 });
  await expect(card.getByTestId('eval-kl-score')).toHaveText('1');
  await expect(card.getByTestId('eval-scores')).toContainText(HOOK);
  await expect(row.getByTestId('ckpt-ce-score')).toHaveText('1');
  await expect(card.getByTestId('eval-start')).toHaveText('Re-evaluate');

  await page.goto('/features');
  const saeId = await page.getByTestId('features-sae').locator('option', { hasText: 'eval-identity' }).getAttribute('value');
  await page.goto(`/features/${saeId}`);
  const overview = page.getByTestId('features-eval');
  await expect(overview.getByTestId('eval-ce-score')).toHaveText('1');
  await expect(overview.getByTestId('eval-kl-score')).toHaveText('1');
  await expect(overview.getByTestId('eval-ev-mse')).toHaveText(/^1 · /);
  await expect(overview.getByTestId('eval-l0-dead')).toContainText('dead');
  await expect(overview.getByTestId('eval-open')).toHaveText('Re-evaluate…');
});
