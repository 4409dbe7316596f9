// Chromium bench suite: the LM, SAE, steering, eval and feature bench bodies in a page of system
// Chromium with WebGPU on SwiftShader (onnxruntime-web's WebGPU EP only runs in a browser). Rows are the
// Node suites' rows, their adapter naming the browser: extract/generate, steer/eval/features on WASM
// and WebGPU, matmul and sae-step vs TF.js; then the built app's reload time offline against online
// (offlineReload.ts) and the time to move a replay one step on runs of 10,000 and 100,000 steps
// (replayFrame.ts). `--only=chromium.steer,chromium.eval` runs only those parts (PAGE_PARTS, offline, replay).
import { chromium } from 'playwright';
import { chromiumPath, QUIET_ARGS, startHarnessServer, WEBGPU_ARGS } from '../chromium';
import { offlineReload } from './offlineReload';
import { replayFrame } from './replayFrame';
import { PAGE_PARTS, type PagePart } from './browser/parts';
import type { BenchOptions, BenchRow, BenchSuite } from './types';

const PAGE = 'scripts/bench/browser/index.html';
const ALL_PARTS = [...PAGE_PARTS, 'offline', 'replay'];

export const suite: BenchSuite = {
  name: 'chromium',
  async run(opts) {
    const unknown = [...(opts.parts ?? [])].filter((p) => !ALL_PARTS.includes(p));
    if (unknown.length) throw new Error(`unknown chromium part ${unknown.join(', ')}; the parts are ${ALL_PARTS.join(', ')}`);
    const want = (part: string) => !opts.parts || opts.parts.has(part);
    const pageParts = PAGE_PARTS.filter(want);
    if (pageParts.length) await runPage(opts, pageParts);
    if (want('offline')) await offlineReload(opts);
    if (want('replay')) await replayFrame(opts);
  },
};

/** The bench page's parts in Chromium, rows and log lines relayed to `opts`. */
async function runPage(opts: BenchOptions, parts: PagePart[]): Promise<void> {
  const server = await startHarnessServer([PAGE]);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: [...QUIET_ARGS, ...WEBGPU_ARGS] });
  try {
    const page = await browser.newPage();
    await page.exposeFunction('benchEmit', (row: BenchRow) => opts.emit(row));
    await page.exposeFunction('benchLog', (line: string) => opts.log(line));
    page.on('pageerror', (e) => console.error(`chromium page: ${e.message}`));
    await page.goto(`${server.url}/${PAGE}`, { timeout: 180_000 });
    await page.waitForFunction(() => 'benchPage' in window, undefined, { timeout: 120_000 });
    await page.evaluate(({ quick, parts }) => window.benchPage.run(quick, parts), { quick: opts.quick, parts });
  } finally {
    await browser.close();
    await server.close();
  }
}
