// The service worker as the app sees it (workbox-window): registration in production builds, a new
// version waiting to take over, applying it (reload), and whether the browser is online.
import { Workbox } from 'workbox-window';
import { createSignal } from 'solid-js';
import { toast } from '../state/toasts';

const [updateWaiting, setUpdateWaiting] = createSignal(false);
const [online, setOnline] = createSignal(typeof navigator === 'undefined' ? true : navigator.onLine);

export { online, updateWaiting };

/** An always-on kiosk never navigates, so it looks for a new version this often as well. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

let wb: Workbox | undefined;

/** Registers /sw.js (built by vite-plugin-pwa; absent in the dev server) and follows its updates. */
export function registerServiceWorker(): void {
  window.addEventListener('online', () => setOnline(true));
  window.addEventListener('offline', () => setOnline(false));
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const worker = new Workbox('/sw.js', { scope: '/' });
  wb = worker;
  worker.addEventListener('waiting', () => setUpdateWaiting(true));
  worker
    .register()
    .then(() => repairEvictedCopy(worker))
    .catch((e: unknown) => console.warn('Service worker registration failed; the app works, but not offline.', e));
  setInterval(() => {
    if (navigator.onLine) wb?.update().catch(() => undefined);
  }, UPDATE_CHECK_MS);
}

/**
 * The browser may evict the precache (storage pressure) while the worker stays registered: the app then
 * loads from the network and would not work offline again. The worker fetches what is missing again.
 */
async function repairEvictedCopy(worker: Workbox): Promise<void> {
  if (!navigator.serviceWorker.controller || !navigator.onLine) return;
  if (await caches.match('/index.html', { ignoreSearch: true })) return;
  toast('info', "Lantern's offline copy was missing", 'The browser had removed its cached files; they are being downloaded again.');
  const reply = (await worker.messageSW({ type: 'REPAIR_PRECACHE' })) as { missing?: number; error?: string };
  if (reply.error) toast('error', "Lantern's offline copy could not be restored", `${reply.error}. It is tried again on the next load.`);
  else toast('success', 'Lantern works offline again', `${reply.missing} cached files restored.`);
}

/** Lets the waiting version take over, then reloads into it (jobs resume from their last step after a reload). */
export function applyUpdate(): void {
  if (!wb) return;
  wb.addEventListener('controlling', () => window.location.reload());
  wb.messageSkipWaiting();
}
