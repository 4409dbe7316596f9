// A fetch for reopening downloaded models offline: HEAD requests (the size checks of
// loadModelFiles) are answered from the Cache API when the file is there, and a HEAD that cannot
// reach the host counts as "no such file", so a cached model opens with no network at all.
export function cacheFirstFetch(cacheName = 'lantern-hub'): typeof fetch {
  return async (input, init) => {
    if ((init?.method ?? 'GET') !== 'HEAD') return fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const hit = await (await caches.open(cacheName)).match(url);
    if (hit) return new Response(null, { status: 200, headers: { 'Content-Length': hit.headers.get('Content-Length') ?? '0' } });
    try {
      return await fetch(input, init);
    } catch {
      return new Response(null, { status: 404, headers: { 'X-Error-Code': 'EntryNotFound' } });
    }
  };
}
