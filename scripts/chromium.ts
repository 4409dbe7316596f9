// System Chromium with WebGPU on SwiftShader, shared by the Playwright config, the e2e harness specs
// and the Chromium bench suite; plus a Vite dev server for harness pages (ENVIRONMENT.md).
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';

/** Debian's Chromium (or CHROMIUM_PATH); undefined lets Playwright use its own browser on a laptop. */
export const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));

/** Headless without background services or sandbox (CI containers). */
export const QUIET_ARGS = ['--no-sandbox', '--disable-gpu-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** A WebGPU adapter without a GPU: Vulkan on SwiftShader. */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];

export interface HarnessServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

/**
 * A Vite dev server over the repository (the app's config: aliases, `?raw` shaders, cross-origin
 * isolation) that pre-bundles only what the given harness pages import, in a cache of its own so it
 * never rewrites the one `npm run dev` uses. Pages load at `/<path>`.
 */
export async function startHarnessServer(pages: string[]): Promise<HarnessServer> {
  const { createServer } = await import('vite');
  const server = await createServer({
    configFile: resolve('vite.config.ts'),
    cacheDir: resolve('node_modules/.vite-harness', basename(dirname(pages[0]))),
    server: { host: '127.0.0.1', port: 0, hmr: false, ws: false, watch: null },
    optimizeDeps: { entries: pages },
    logLevel: 'error',
    clearScreen: false,
  });
  await server.listen();
  const { port } = server.httpServer!.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
