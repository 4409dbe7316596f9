// Runs a TypeScript entry point in Node through Vite's SSR loader, so `?raw` WGSL imports
// and the `@`/`@shaders` aliases resolve exactly as in the app: `node scripts/run.mjs scripts/bench.ts -- --json`.
import { createServer } from 'vite';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run.mjs <entry.ts> [-- args]');
  process.exit(2);
}
const server = await createServer({
  configFile: resolve('vite.config.ts'),
  server: { middlewareMode: true, hmr: false, ws: false },
  appType: 'custom',
  logLevel: 'error',
  optimizeDeps: { noDiscovery: true, include: [] },
});
let code = 0;
try {
  const mod = await server.ssrLoadModule(pathToFileURL(resolve(entry)).pathname);
  if (typeof mod.main === 'function') code = (await mod.main(process.argv.slice(3).filter((a) => a !== '--'))) ?? 0;
} catch (e) {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  code = 1;
} finally {
  await server.close();
}
process.exit(code);
