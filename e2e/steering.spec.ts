// Steering end to end: a SAELens SAE for the demo model imported and made active, the demo model
// steered with two latents (default and steered text side by side, parting at a marked token), bad
// input refused with the page still usable, the set-up saved as a preset, reloaded, loaded, and the
// same text generated again with the same seed. Without an SAE: the page says how to get one, the chat
// template is applied and shown, a prompt-difference vector steers, the frequency penalty changes both
// columns, and the logit lens runs.
import { expect, test } from '@playwright/test';
import { tiedUnitSae } from '../src/sae/weights.testing';
import { DEMO_D_IN, demoSaeZip } from './sae';
import { shoot } from './shots';
import { addDemoModel } from './models';

const D_SAE = 16;
const HOOK = 'blocks.1.hook_resid_pre';


const texts = async (page: import('@playwright/test').Page, side: string) => (await page.getByTestId(`steer-${side}`).getByTestId('steer-token').allTextContents()).join('|');

test('steer the demo model with two latents side by side, refuse bad input, save a preset and regenerate the same text after a reload', async ({ page }) => {
  // 1. The demo model and an active SAE.
  await addDemoModel(page);
  await page.goto('/library');
  await page.getByTestId('import-files').setInputFiles({ name: 'steer-relu.zip', mimeType: 'application/zip', buffer: demoSaeZip('steer-relu', tiedUnitSae(DEMO_D_IN, D_SAE, 9), HOOK) });
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('library-row').filter({ hasText: 'steer-relu' })).toHaveCount(1);
  await page.getByTestId('activate').click();

  // 2. From the nav; a latent handed over by index, a second added, clamped.
  await page.getByRole('link', { name: 'Steering' }).click();
  await expect(page.getByTestId('steer-target')).toContainText(HOOK);
  await page.goto('/steering?latent=3');
  await expect(page.getByTestId('steer-latent-row')).toHaveCount(1);
  await page.getByTestId('steer-add').click();
  await page.getByTestId('steer-latent').nth(1).fill('11');
  await page.getByTestId('steer-method').nth(1).selectOption('clamp');
  await page.getByTestId('steer-strength').nth(1).fill('6');
  await page.getByTestId('steer-strength').nth(0).fill('12');
  await page.getByTestId('steer-max').fill('10');
  await page.getByTestId('steer-seed').fill('7');

  // 3. Bad input: a latent out of range, then a non-finite strength; the page stays usable.
  await page.getByTestId('steer-latent').nth(1).fill('99');
  await page.getByTestId('steer-run').click();
  await expect(page.getByTestId('steer-error')).toContainText('latent 99 is out of range; this SAE has latents 0–15');
  await page.getByTestId('steer-latent').nth(1).fill('11');
  await page.getByTestId('steer-multiplier').fill('');
  await page.getByTestId('steer-run').click();
  await expect(page.getByTestId('steer-error')).toContainText('multiplier must be a finite number');
  await page.getByTestId('steer-multiplier').fill('1');

  // 4. Generate: both columns fill, differ, and the parting token is marked with its alternatives.
  await page.getByTestId('steer-run').click();
  await expect(page.getByTestId('steer-status')).toHaveText('Done.', { timeout: 120_000 });
  await expect(page.getByTestId('steer-default').getByTestId('steer-token')).toHaveCount(10);
  await expect(page.getByTestId('steer-steered').getByTestId('steer-token')).toHaveCount(10);
  const first = { default: await texts(page, 'default'), steered: await texts(page, 'steered') };
  expect(first.steered).not.toEqual(first.default);
  await expect(page.getByTestId('steer-parted')).toBeVisible();
  await expect(page.locator('.steer-tok.parted')).toHaveCount(2);
  await page.getByTestId('steer-steered').getByTestId('steer-token').first().hover();
  await expect(page.getByTestId('steer-steered').getByRole('tooltip').first()).toContainText('p = ');
  await expect(page.getByTestId('steer-steered').getByRole('tooltip').first().locator('.steer-alt')).toHaveCount(5);
  await shoot(page, 'steering');

  // 5. Save as a preset, reload, load it, and get the same text with the same seed.
  await page.getByLabel('Template name').fill('two latents');
  await page.getByTestId('templates').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('template-row')).toHaveCount(1);
  await page.goto('/steering');
  await expect(page.getByTestId('steer-latent-row')).toHaveCount(0);
  await page.getByTestId('template-row').getByTitle('Load into the form').click();
  await expect(page.getByTestId('steer-latent-row')).toHaveCount(2);
  await expect(page.getByTestId('steer-seed')).toHaveValue('7');
  await page.getByTestId('steer-run').click();
  await expect(page.getByTestId('steer-status')).toHaveText('Done.', { timeout: 120_000 });
  expect(await texts(page, 'default')).toEqual(first.default);
  expect(await texts(page, 'steered')).toEqual(first.steered);
});

test('without an SAE: how to get one, the chat template shown before generating, a prompt difference with a frequency penalty steering the demo model, and the logit lens', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await addDemoModel(page);
  await page.goto('/steering');
  await expect(page.getByTestId('steer-no-sae')).toContainText('No SAE selected');
  await expect(page.getByTestId('steer-no-sae').getByRole('link', { name: 'Library' })).toHaveAttribute('href', '/library');
  await expect(page.getByTestId('steer-model')).toHaveValue(/.+/);

  // 1. The chat template turns the message into the prompt the model continues, shown in the box.
  await page.getByTestId('steer-prompt').fill('Hi');
  await page.getByTestId('steer-chat').click();
  await expect(page.getByTestId('steer-prompt')).toHaveValue('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n', { timeout: 60_000 });
  await expect(page.getByTestId('steer-chat-note')).toBeVisible();

  // 2. A prompt difference: refused without prompt B, then steering greedily.
  await page.getByTestId('steer-add-diff').click();
  await page.getByTestId('steer-vector-hook').selectOption(HOOK);
  await page.getByTestId('steer-vector-a').fill('love love love');
  await page.getByTestId('steer-run').click();
  await expect(page.getByTestId('steer-error')).toContainText('Vector 1: a difference vector needs two prompts, A and B');
  await page.getByTestId('steer-vector-b').fill('hate hate hate');
  await page.getByTestId('steer-vector-strength').fill('40');
  await page.getByTestId('steer-temperature').fill('0');
  await page.getByTestId('steer-max').fill('40');
  await page.getByTestId('steer-run').click();
  await expect(page.getByTestId('steer-status')).toHaveText('Done.', { timeout: 120_000 });
  const plain = { default: await texts(page, 'default'), steered: await texts(page, 'steered') };
  expect(plain.steered).not.toEqual(plain.default);

  // 3. The frequency penalty changes the greedy text in both columns alike; a bad value is refused.
  await page.getByTestId('steer-frequency-penalty').fill('9');
  await page.getByTestId('steer-run').click();
  await expect(page.getByTestId('steer-error')).toContainText('frequency penalty must be a number from −2 to 2');
  await page.getByTestId('steer-frequency-penalty').fill('2');
  await page.getByTestId('steer-run').click();
  await expect(page.getByTestId('steer-status')).toHaveText('Done.', { timeout: 120_000 });
  expect(await texts(page, 'default')).not.toEqual(plain.default);
  expect(await texts(page, 'steered')).not.toEqual(plain.steered);

  // 4. A prompt longer than the context is refused; the logit lens still runs without an SAE.
  await page.getByTestId('steer-prompt').fill('x'.repeat(200));
  await page.getByTestId('steer-run').click();
  await expect(page.getByTestId('steer-error')).toContainText(/The prompt has 200 tokens with 40 new tokens; that exceeds .*128-token context/);
  await page.getByTestId('steer-prompt').fill('the cat sat on the mat');
  await page.getByTestId('lens-run').click();
  await expect(page.getByTestId('lens-cell').first()).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('lens-cell').last().click();
  await page.getByTestId('lens').scrollIntoViewIfNeeded();
  await shoot(page, 'logit-lens', { fullPage: false });

  // 5. Screenshots only: mid-generation on WebGPU (SwiftShader streams slowly enough to catch; WASM
  // outruns a screenshot), then stopped.
  if (!process.env.LANTERN_SHOTS) return;
  await page.getByTestId('steer-backend').selectOption('auto');
  await page.getByTestId('steer-run').click();
  await expect(page.getByTestId('steer-steered').getByTestId('steer-token').nth(2)).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('steer-steered').scrollIntoViewIfNeeded();
  await shoot(page, 'steering-streaming', { fullPage: false });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('steer-run')).toBeEnabled();
});
