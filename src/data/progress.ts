// Progress with rate and ETA for ingest and tokenization: a smoothed rate over the whole run,
// throttled so callbacks (Comlink proxies across threads) fire at most every `minIntervalMs`.

import type { Progress } from './types';

export interface ProgressTracker {
  /** Report `done` units; forwards to the callback when due (or when `force`). */
  update(done: number, total?: number, force?: boolean): void;
}

export function createProgressTracker(
  unit: Progress['unit'],
  onProgress: ((p: Progress) => void) | undefined,
  { minIntervalMs = 100, now = () => performance.now() }: { minIntervalMs?: number; now?: () => number } = {},
): ProgressTracker {
  const start = now();
  let startDone: number | undefined;
  let last = -Infinity;
  return {
    update(done, total, force = false) {
      if (!onProgress) return;
      startDone ??= done;
      const t = now();
      if (!force && t - last < minIntervalMs) return;
      last = t;
      const elapsedS = (t - start) / 1000;
      const rate = elapsedS > 0 ? (done - startDone) / elapsedS : 0;
      const p: Progress = { done, unit, rate };
      if (total !== undefined && total > 0) {
        p.total = total;
        p.fraction = Math.min(1, done / total);
        if (rate > 0) p.etaS = Math.max(0, (total - done) / rate);
      }
      onProgress(p);
    },
  };
}
