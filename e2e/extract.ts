// The extraction form filled from a spec: pasted text, layer, hook kind, context, batch and backend.
import type { Page } from '@playwright/test';

export interface ExtractionForm {
  text: string;
  layer: number;
  /** Left at the form's default when absent. */
  hookKind?: string;
  contextSize: number;
  batchSize: number;
  backend: 'auto' | 'wasm';
}

/** Fills the extraction form on the page that shows it; the caller starts it. */
export async function fillExtraction(page: Page, o: ExtractionForm): Promise<void> {
  await page.getByTestId('extract-text').fill(o.text);
  await page.getByTestId('extract-layer').fill(String(o.layer));
  if (o.hookKind) await page.getByTestId('extract-hook-kind').selectOption(o.hookKind);
  await page.getByTestId('extract-contextSize').fill(String(o.contextSize));
  await page.getByTestId('extract-batchSize').fill(String(o.batchSize));
  await page.getByTestId('extract-backend').selectOption(o.backend);
}
