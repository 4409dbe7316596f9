// Models page end to end: the GPT-2 fixture downloaded from the local Hub mirror with per-file
// progress, its architecture and hook points, delete with its cached files, the built-in demo
// model, and bad input (unknown repo, repo without ONNX, corrupt graph) refused with nothing stored.
import { expect, test, type Page } from '@playwright/test';
import { startHubMirror, type HubMirror, type MemoryRepos } from '../scripts/hub-mirror';
import { buildFixtureRepo, FIXTURE_ORG } from '../src/lm/fixtures/repos';

const GPT2 = `${FIXTURE_ORG}/tiny-gpt2`;
let mirror: HubMirror;

test.beforeAll(async () => {
  const files = buildFixtureRepo('tiny-gpt2').files;
  const withoutOnnx = new Map([...files].filter(([p]) => !p.endsWith('.onnx')));
  const onnx = files.get('onnx/model.onnx')!;
  const repos: MemoryRepos = {
    [GPT2]: files,
    [`${FIXTURE_ORG}/no-onnx`]: withoutOnnx,
    [`${FIXTURE_ORG}/truncated`]: new Map([...withoutOnnx, ['onnx/model.onnx', onnx.subarray(0, onnx.length >> 1)]]),
  };
  mirror = await startHubMirror({ repos });
});
test.afterAll(() => mirror.close());

/** URLs in the app's Hub cache that contain `part`. */
function cachedUrls(page: Page, part: string): Promise<string[]> {
  return page.evaluate(async (p) => (await (await caches.open('lantern-hub')).keys()).map((r) => r.url).filter((u) => u.includes(p)), part);
}

async function download(page: Page, repo: string) {
  await page.getByTestId('model-host').fill(mirror.url);
  await page.getByTestId('model-repo').fill(repo);
  await page.getByTestId('model-download').click();
}

test('downloads the GPT-2 fixture from the Hub mirror with per-file progress, shows its architecture and hook points, deletes it', async ({ page }) => {
  await page.goto('/models');
  await download(page, GPT2);
  const files = page.getByTestId('download-file');
  for (const path of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) {
    await expect(files.and(page.locator(`[data-path="${path}"]`))).toHaveAttribute('data-done', 'true');
  }
  const row = page.locator(`[data-testid="model-row"][data-repo="${GPT2}"]`);
  await expect(row).toBeVisible();
  await row.click();
  const detail = page.getByTestId('model-detail');
  await expect(detail).toHaveAttribute('data-repo', GPT2);
  await expect(page.getByTestId('arch-family')).toHaveText('gpt2');
  await expect(page.getByTestId('arch-layers')).toHaveText('2');
  await expect(page.getByTestId('arch-d-model')).toHaveText('48');
  await expect(page.getByTestId('arch-heads')).toHaveText('4');
  await expect(page.getByTestId('arch-vocab')).toHaveText('278');
  await expect(page.getByTestId('hook-point')).toHaveCount(10);
  await expect(page.getByTestId('hook-point').first()).toHaveText('blocks.0.hook_resid_pre');
  await expect(page.getByTestId('hook-points')).toContainText('blocks.1.hook_resid_post');
  expect((await cachedUrls(page, GPT2)).length).toBeGreaterThanOrEqual(4);
  // The host is a setting: it survives a reload.
  await page.reload();
  await expect(page.getByTestId('model-host')).toHaveValue(mirror.url);

  await page.getByTestId('model-delete').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete model' }).click();
  await expect(row).toHaveCount(0);
  await expect.poll(() => cachedUrls(page, GPT2)).toEqual([]);
});

test('the built-in demo model is added from the app itself', async ({ page }) => {
  await page.goto('/models');
  await page.getByTestId('model-demo-add').click();
  const row = page.locator(`[data-testid="model-row"][data-repo="${GPT2}"]`);
  await expect(row).toContainText('demo');
  await expect(page.getByTestId('model-demo-offer')).toHaveCount(0);
  await expect(page.getByTestId('arch-layers')).toHaveText('2');
});

test('an unknown repo, a repo without ONNX files and a truncated graph are refused with nothing stored', async ({ page }) => {
  await page.goto('/models');
  const cases: [string, string, RegExp][] = [
    [`${FIXTURE_ORG}/no-such-model`, 'REPO_NOT_FOUND', /was not found/],
    [`${FIXTURE_ORG}/no-onnx`, 'NO_ONNX_FILE', /has no ONNX decoder for fp32 \(looked for onnx\/model\.onnx/],
    [`${FIXTURE_ORG}/truncated`, 'INVALID_MODEL', /truncated or corrupt/],
  ];
  for (const [repo, code, message] of cases) {
    await download(page, repo);
    const error = page.getByTestId('model-error');
    await expect(error).toHaveAttribute('data-code', code);
    await expect(page.getByTestId('model-error-message')).toHaveText(message);
    await expect(page.locator(`[data-testid="model-row"][data-repo="${repo}"]`)).toHaveCount(0);
    expect(await cachedUrls(page, repo)).toEqual([]);
  }
  await expect(page.getByTestId('model-row')).toHaveCount(0);
});
