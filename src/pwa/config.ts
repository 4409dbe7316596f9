// The installable app: its web manifest and the workbox service worker (src/sw.ts) that vite-plugin-pwa builds
// (app shell, workers, onnxruntime-web's WASM, the demo model and corpus precached; Hub models stay in `lantern-hub`).
import type { VitePWAOptions } from 'vite-plugin-pwa';

/** The slate/emerald theme of src/styles.css: the page background and the header's slate. */
export const THEME = { background: '#0b1120', theme: '#0f172a' };

/** Shortcuts from the installed app's icon; each points at a route of src/App.tsx. */
export const SHORTCUTS = [
  { name: 'Training', url: '/training', description: 'Configure and start an SAE training run' },
  { name: 'Features', url: '/features', description: "Browse the active SAE's features" },
  { name: 'Steering', url: '/steering', description: 'Steer the model with SAE features, side by side with the default' },
  { name: 'Kiosk', url: '/kiosk', description: 'Full-screen live dashboard of the running job' },
];

/** onnxruntime-web's WASM is 26.8 MB; workbox's default 2 MiB limit would silently leave it out. */
const MAX_PRECACHE_BYTES = 64 * 1024 * 1024;

export const pwaOptions: Partial<VitePWAOptions> = {
  // The app registers the worker itself (src/pwa/register.ts, workbox-window) and prompts before updating.
  injectRegister: false,
  registerType: 'prompt',
  manifest: {
    name: 'Lantern — SAE interpretability studio',
    short_name: 'Lantern',
    description: 'Train, inspect and steer sparse autoencoders on language models, in your browser, on your GPU. Nothing leaves your machine.',
    theme_color: THEME.theme,
    background_color: THEME.background,
    display: 'standalone',
    start_url: '/',
    scope: '/',
    id: '/',
    icons: [
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
    shortcuts: SHORTCUTS.map((s) => ({ ...s, icons: [{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' }] })),
  },
  // The worker is src/sw.ts (precache, offline routes, HEAD answers, the evicted-copy page); vite-plugin-pwa
  // injects the precache list. The manifest and its icons are precached by the glob below (once).
  strategies: 'injectManifest',
  srcDir: 'src',
  filename: 'sw.ts',
  includeManifestIcons: false,
  injectManifest: {
    globPatterns: ['**/*.{html,js,mjs,css,svg,png,wasm}', 'demo/**/*'],
    maximumFileSizeToCacheInBytes: MAX_PRECACHE_BYTES,
  },
};
