// Replay frame time, part of the Chromium suite: the built app (LANTERN_DIST, default dist/) with a stored
// run of 10,000 and 100,000 steps; time for one → on the scrub bar until every panel shows the new step.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Page } from 'playwright';
import { chromiumPath, QUIET_ARGS, WEBGPU_ARGS } from '../chromium';
import type { BenchOptions } from './types';

const HIST_EVERY = 100;
const D_SAE = 256;

/** Stores a finished run of `steps` steps as the trainer would (all metrics, a snapshot every 100 steps). */
async function seedRun(page: Page, runId: string, steps: number): Promise<void> {
  await page.evaluate(
    async ({ runId, steps, every, dSae }) => {
      const hex = async (b: ArrayBuffer) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', b)), (x) => x.toString(16).padStart(2, '0')).join('');
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const open = indexedDB.open('lantern');
        open.onsuccess = () => ok(open.result);
        open.onerror = () => fail(open.error);
      });
      const hist = (s: number, bins: number) => ({ edges: Array.from({ length: bins + 1 }, (_, i) => i / bins), counts: Array.from({ length: bins }, (_, i) => (s * 7 + i * 13) % 50), zero: s % 9 });
      const latents: { ownerId: string; index: number; bytes: ArrayBuffer; byteLength: number; sha256: string }[] = [];
      for (let s = every; s <= steps; s += every) {
        const w = Uint32Array.from({ length: dSae + 1 }, (_, j) => (j === 0 ? 4096 : (s * 31 + j * 17) % 97 > 20 ? (s + j) % 400 : 0));
        latents.push({ ownerId: runId, index: s, bytes: w.buffer, byteLength: w.byteLength, sha256: await hex(w.buffer) });
      }
      const tx = db.transaction(['runs', 'metrics', 'latentChunks'], 'readwrite');
      tx.objectStore('runs').put({ id: runId, name: `bench ${steps}`, config: { arch: 'topk', dIn: 64, dSae, k: 8, batchSize: 4096, totalSteps: steps, checkpointEvery: steps }, status: 'done', step: steps, createdAt: Date.now() });
      const metrics = tx.objectStore('metrics');
      for (let s = 1; s <= steps; s++) {
        const loss = 1 / Math.sqrt(s) + 1e-3 * Math.sin(s);
        const values = { loss, mse: loss * 0.8, sparsityLoss: loss * 0.1, auxLoss: loss * 0.1, nmse: loss / 2, explainedVariance: 1 - loss / 2, l0: 8, l1: 3 + Math.cos(s), dead: s % 17, dense: s % 5, lr: 1e-3, sparsityCoef: 0, tokensPerSec: 1e5 + (s % 100) };
        metrics.put({ runId, step: s, values, ...(s % every === 0 ? { histograms: { densityLog10: hist(s, 40), decoderNorm: hist(s + 1, 40) } } : {}) });
      }
      for (const l of latents) tx.objectStore('latentChunks').put(l);
      await new Promise<void>((ok, fail) => {
        tx.oncomplete = () => ok();
        tx.onerror = () => fail(tx.error);
      });
      db.close();
    },
    { runId, steps, every: HIST_EVERY, dSae: D_SAE },
  );
}

/**
 * Milliseconds for each of `moves` presses of → from `from`: key event to every panel showing the new
 * step (readout, chart cursor, cards, the density histogram and latent timeline at the snapshot at or
 * before it), then a forced layout.
 */
async function frameTimes(page: Page, from: number, moves: number, every: number): Promise<number[]> {
  return page.evaluate(
    async ({ from, moves, every }) => {
      const $ = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
      const shows = (s: number) => {
        const snap = String(Math.floor(s / every) * every);
        return $('replay-step')?.textContent === `step ${s}` && $('chart-loss')?.dataset.cursorStep === String(s) && $('snapshot-density')?.dataset.step === snap && $('latent-timeline')?.dataset.step === snap;
      };
      const until = (s: number) =>
        new Promise<void>((ok) => {
          if (shows(s)) return ok();
          const obs = new MutationObserver(() => {
            if (!shows(s)) return;
            obs.disconnect();
            ok();
          });
          obs.observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
        });
      await until(from);
      const out: number[] = [];
      for (let i = 1; i <= moves; i++) {
        const t0 = performance.now();
        $('scrub-range')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
        await until(from + i);
        document.body.getBoundingClientRect();
        out.push(performance.now() - t0);
      }
      return out;
    },
    { from, moves, every },
  );
}

export async function replayFrame(opts: BenchOptions): Promise<void> {
  const dist = resolve(process.env.LANTERN_DIST ?? 'dist');
  if (!existsSync(resolve(dist, 'index.html'))) {
    opts.log(`replay frame skipped: no build in ${dist} (run \`npm run build\`, or set LANTERN_DIST)`);
    return;
  }
  const { preview } = await import('vite');
  const server = await preview({ configFile: resolve('vite.config.ts'), build: { outDir: dist }, preview: { host: '127.0.0.1', port: 0, strictPort: false }, logLevel: 'error' });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: [...QUIET_ARGS, ...WEBGPU_ARGS] });
  try {
    const page = await browser.newPage({ baseURL: server.resolvedUrls!.local[0] });
    await page.goto('/runs');
    await page.getByTestId('import-run').waitFor({ state: 'attached' });
    const moves = opts.quick ? 150 : 400;
    for (const steps of [10_000, 100_000]) {
      const runId = `bench-replay-${steps}`;
      await seedRun(page, runId, steps);
      const from = Math.floor(steps / 2) - 50;
      await page.goto(`/runs/${runId}?step=${from}`);
      const measured = await frameTimes(page, from, moves, HIST_EVERY);
      const times = [...measured].sort((a, b) => a - b);
      // Moves onto a snapshot step show a snapshot not shown before (histograms, latent marker).
      const crossing = measured.filter((_, i) => (from + i + 1) % HIST_EVERY === 0);
      const note = `run of ${steps.toLocaleString('en')} steps; ${moves} presses of → from step ${from} (${crossing.length} reach a new snapshot), key to every panel at the new step`;
      opts.emit({ bench: 'replay', metric: 'frame_ms', value: times[Math.floor(times.length / 2)], unit: 'ms (median)', adapter: 'chromium', note });
      opts.emit({ bench: 'replay', metric: 'frame_ms_worst', value: times.at(-1)!, unit: 'ms', adapter: 'chromium', note });
      opts.emit({ bench: 'replay', metric: 'frame_ms_snapshot', value: Math.max(...crossing), unit: 'ms (worst)', adapter: 'chromium', note: `${note}; the worst of the moves onto a new snapshot` });
    }
  } finally {
    await browser.close();
    await server.close();
  }
}
