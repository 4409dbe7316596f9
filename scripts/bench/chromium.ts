// Chromium bench suite: the LM and SAE bench bodies in a page of system Chromium with WebGPU on
// SwiftShader (onnxruntime-web's WebGPU EP only runs in a browser). Rows are the Node suites' rows,
// their adapter naming the browser: extract/generate on WASM and WebGPU, matmul and sae-step vs TF.js;
// then the built app's reload time offline against online (offlineReload.ts) and the time to move a
// replay one step on runs of 10,000 and 100,000 steps (replayFrame.ts).
import { chromium } from 'playwright';
import { chromiumPath, QUIET_ARGS, startHarnessServer, WEBGPU_ARGS } from '../chromium';
import { offlineReload } from './offlineReload';
import { replayFrame } from './replayFrame';
import type { BenchRow, BenchSuite } from './types';

const PAGE = 'scripts/bench/browser/index.html';

export const suite: BenchSuite = {
  name: 'chromium',
  async run(opts) {
    const server = await startHarnessServer([PAGE]);
    const browser = await chromium.launch({ executablePath: chromiumPath, args: [...QUIET_ARGS, ...WEBGPU_ARGS] });
    try {
      const page = await browser.newPage();
      await page.exposeFunction('benchEmit', (row: BenchRow) => opts.emit(row));
      await page.exposeFunction('benchLog', (line: string) => opts.log(line));
      page.on('pageerror', (e) => console.error(`chromium page: ${e.message}`));
      await page.goto(`${server.url}/${PAGE}`);
      await page.waitForFunction(() => 'benchPage' in window, undefined, { timeout: 120_000 });
      await page.evaluate((quick) => window.benchPage.run(quick), opts.quick);
    } finally {
      await browser.close();
      await server.close();
    }
    await offlineReload(opts);
    await replayFrame(opts);
  },
};
