// Offline reload, part of the Chromium suite: the built app (dist/, with its service worker) served by
// `vite preview`; time from reload to an interactive page (the home page's heading) online, then offline.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Page } from 'playwright';
import { chromiumPath, QUIET_ARGS, WEBGPU_ARGS } from '../chromium';
import type { BenchOptions } from './types';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds from a reload to the home page's heading, `n` times after one warm-up. */
async function reloads(page: Page, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t0 = performance.now();
    await page.reload();
    await page.getByRole('heading', { name: 'Lantern', level: 1 }).waitFor();
    if (i > 0) times.push(performance.now() - t0);
  }
  return times;
}

export async function offlineReload(opts: BenchOptions): Promise<void> {
  const dist = resolve(process.env.LANTERN_DIST ?? 'dist');
  if (!existsSync(resolve(dist, 'sw.js'))) {
    opts.log(`offline reload skipped: no build with a service worker in ${dist} (run \`npm run build\`, or set LANTERN_DIST)`);
    return;
  }
  const { preview } = await import('vite');
  const server = await preview({ configFile: resolve('vite.config.ts'), build: { outDir: dist }, preview: { host: '127.0.0.1', port: 0, strictPort: false }, logLevel: 'error' });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: [...QUIET_ARGS, ...WEBGPU_ARGS] });
  try {
    const context = await browser.newContext({ baseURL: server.resolvedUrls!.local[0] });
    const page = await context.newPage();
    await page.goto('/');
    // 1. The worker has precached everything and controls the page.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 120_000 });
    const n = opts.quick ? 3 : 9;
    const online = median(await reloads(page, n));
    await context.setOffline(true);
    const offline = median(await reloads(page, n));
    opts.emit({ bench: 'offline', metric: 'reload_ms', value: offline, unit: 'ms', peer: 'online reload', peerValue: online, ratio: offline / online, adapter: 'chromium', note: `median of ${n}, reload to the home page's heading` });
  } finally {
    await browser.close();
    await server.close();
  }
}
