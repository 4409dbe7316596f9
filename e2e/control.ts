// Control points in the page's GPU worker (src/jobs/controlPoints.ts), armed from a spec: act on a
// job right after a chosen step instead of polling and racing it.
import type { Page, Worker } from '@playwright/test';
import type { ControlAction } from '../src/jobs/controlPoints';

/** The page's GPU worker once its service is up (its control points are then reachable). */
export async function gpuWorker(page: Page, ms = 60_000): Promise<Worker> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await page.waitForTimeout(50)) {
    for (const w of page.workers()) {
      if (!w.url().includes('gpu.worker')) continue;
      if (await w.evaluate(() => 'lanternControl' in globalThis).catch(() => false)) return w;
    }
  }
  throw new Error('the GPU worker did not start');
}

/**
 * The next job of `kind` gets `action` right after the first step whose new state has
 * `state[field] >= atLeast` (e.g. a training run's `step`).
 */
export async function actAfter(page: Page, kind: string, field: string, atLeast: number, action: ControlAction): Promise<void> {
  const worker = await gpuWorker(page);
  await worker.evaluate(
    ({ kind, field, atLeast, action }) => {
      const points = (globalThis as unknown as { lanternControl: { after(k: string, at: (s: unknown) => boolean, a: string): void } }).lanternControl;
      points.after(kind, (s) => Number((s as Record<string, unknown>)[field]) >= atLeast, action);
    },
    { kind, field, atLeast, action },
  );
}
