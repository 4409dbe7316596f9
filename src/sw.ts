// The service worker (built by vite-plugin-pwa, injectManifest): precaches the app shell, workers, ORT's
// WASM and the demo model and corpus, opens every route offline, and says clearly when its copy was evicted.
/// <reference lib="webworker" />
import { cleanupOutdatedCaches, PrecacheController, PrecacheRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute, setCatchHandler } from 'workbox-routing';
import { clientsClaim } from 'workbox-core';

declare let self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

const precache = new PrecacheController();
precache.precache(self.__WB_MANIFEST);
registerRoute(new PrecacheRoute(precache));
cleanupOutdatedCaches();
// The first visit's worker controls the page at once, so the app works offline without a second load.
clientsClaim();

// The Hub loader checks file sizes with HEAD; precached files (the demo model) answer from the precache. The
// demo folder is precached whole, so offline a file missing from an intact precache does not exist (404), as the
// Hub would answer for an absent optional file (`model.onnx_data`).
registerRoute(
  ({ url }) => url.origin === self.location.origin,
  async ({ request, url }) => {
    const hit = await precache.matchPrecache(request.url);
    if (hit) return new Response(null, { status: hit.status, headers: hit.headers });
    try {
      return await fetch(request);
    } catch (e) {
      if (!url.pathname.startsWith('/demo/') || !(await precache.matchPrecache('/index.html'))) throw e;
      return new Response(null, { status: 404, headers: { 'X-Error-Code': 'EntryNotFound' } });
    }
  },
  'HEAD',
);

// Every route of the single-page app opens from the precached shell.
registerRoute(new NavigationRoute(precache.createHandlerBoundToURL('/index.html'), { denylist: [/^\/demo\//] }));

/**
 * Puts back every precached file the browser evicted (storage pressure), fetched again from the network;
 * answers how many were missing. The page asks for it when it finds the shell gone while online.
 */
async function repairPrecache(): Promise<number> {
  const cache = await caches.open(precache.strategy.cacheName);
  let missing = 0;
  for (const [url, cacheKey] of precache.getURLsToCacheKeys()) {
    if (await cache.match(cacheKey)) continue;
    missing++;
    const res = await fetch(url, { cache: 'reload' });
    if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
    await cache.put(cacheKey, res);
  }
  return missing;
}

self.addEventListener('message', (event) => {
  const type = (event.data as { type?: string } | null)?.type;
  // Sent by workbox-window's messageSkipWaiting() when the person accepts the update toast.
  if (type === 'SKIP_WAITING') void self.skipWaiting();
  if (type === 'REPAIR_PRECACHE') {
    event.waitUntil(
      repairPrecache().then(
        (missing) => event.ports[0]?.postMessage({ missing }),
        (e: unknown) => event.ports[0]?.postMessage({ error: String(e) }),
      ),
    );
  }
});

const EVICTED_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Lantern — offline copy missing</title>
<style>body{margin:0;min-height:100vh;display:grid;place-items:center;background:#0b1120;color:#e2e8f0;font:16px/1.5 system-ui,sans-serif}main{max-width:560px;padding:28px 30px;background:#111827;border:1px solid #334155;border-radius:14px}h1{font-size:22px;margin:0 0 12px}p{color:#94a3b8}button{padding:8px 16px;border-radius:8px;border:0;background:#10b981;color:#052e1f;font:inherit;font-weight:600;cursor:pointer}</style></head>
<body><main data-testid="evicted"><h1>Lantern's offline copy is missing</h1>
<p>The browser removed Lantern's cached app files (browsers do this when storage runs low), and there is no network to fetch them again.</p>
<p>Your datasets, models, runs and checkpoints are stored separately and are untouched. Connect to the network and reload: Lantern downloads itself again and works offline once more.</p>
<button onclick="location.reload()">Reload</button></main></body></html>`;

// A navigation that neither the precache nor the network can answer gets a page that says why, not the browser's error.
setCatchHandler(async ({ request }) => {
  if (request.destination !== 'document') return Response.error();
  return new Response(EVICTED_PAGE, {
    status: 503,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  });
});
