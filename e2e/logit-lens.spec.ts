// Logit lens and ablation end to end: the demo model with an active SAE; on the steering page's prompt
// the lens has one row per residual hook (every block's input and the last block's output) and a
// clicked cell lists its ten likeliest next tokens; zeroing latents changes next-token log-probabilities
// per position; bad input is refused with the page usable.
import { expect, test } from '@playwright/test';
import { randomArray } from '../src/gpu/testing';
import type { SaeWeights } from '../src/sae/types';
import { DEMO_D_IN, demoSaeZip } from './sae';
import { addDemoModel } from './models';

const D_SAE = 16;

/** A ReLU SAE with seeded weights in [−0.3, 0.3]. */
function lensSae(): SaeWeights {
  return { dIn: DEMO_D_IN, dSae: D_SAE, W_enc: randomArray(DEMO_D_IN * D_SAE, 1, -0.3, 0.3), W_dec: randomArray(D_SAE * DEMO_D_IN, 2, -0.3, 0.3), b_enc: new Float32Array(D_SAE), b_dec: new Float32Array(DEMO_D_IN) };
}

test('the logit lens shows every layer’s top token at every prompt position and a cell’s top 10; ablating latents moves next-token log-probabilities', async ({ page }) => {
  await addDemoModel(page);
  await page.goto('/library');
  await page.getByTestId('import-files').setInputFiles({ name: 'lens-relu.zip', mimeType: 'application/zip', buffer: demoSaeZip('lens-relu', lensSae(), 'blocks.1.hook_resid_pre') });
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('library-row').filter({ hasText: 'lens-relu' })).toHaveCount(1);
  await page.getByTestId('activate').click();

  await page.goto('/steering');
  await page.getByTestId('steer-prompt').fill('the cat sat');
  await page.getByTestId('lens-run').click();
  const grid = page.getByTestId('lens-grid');
  await expect(grid.locator('tbody tr')).toHaveCount(3, { timeout: 60_000 });
  await expect(grid.locator('tbody th')).toHaveText(['blocks.0.hook_resid_pre', 'blocks.1.hook_resid_pre', 'blocks.1.hook_resid_post']);
  const columns = await grid.locator('thead th').count();
  expect(columns).toBeGreaterThan(1);
  await expect(page.getByTestId('lens-cell')).toHaveCount(3 * (columns - 1));
  await page.getByTestId('lens-cell').last().click();
  await expect(page.getByTestId('lens-top-token')).toHaveCount(10);

  await page.getByTestId('ablate-latents').fill('0, 1, 2, 3, 4, 5');
  await page.getByTestId('ablate-scale').fill('0');
  await page.getByTestId('ablate-run').click();
  await expect(page.getByTestId('ablate-row')).toHaveCount(columns - 2, { timeout: 60_000 });
  const deltas = (await page.getByTestId('ablate-delta').allTextContents()).map(Number);
  expect(deltas.some((d) => d !== 0)).toBe(true);
  await page.getByTestId('ablate-latents').fill('3, x');
  await page.getByTestId('ablate-run').click();
  await expect(page.getByTestId('ablate-error')).toContainText('"x" is not a latent index');
  await page.getByTestId('ablate-latents').fill('99');
  await page.getByTestId('ablate-run').click();
  await expect(page.getByTestId('ablate-error')).toContainText('latent 99 is out of range');

  await page.getByTestId('steer-prompt').fill('   ');
  await page.getByTestId('lens-run').click();
  await expect(page.getByTestId('lens-error')).toContainText('Write a prompt');
});
