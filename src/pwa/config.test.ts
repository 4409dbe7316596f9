// The web manifest's shortcuts lead to pages that exist, with the theme's colours, and the worker precaches ORT's WASM.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pwaOptions, SHORTCUTS, THEME } from './config';

const app = readFileSync(new URL('../App.tsx', import.meta.url), 'utf8');
const routes = [...app.matchAll(/<Route path="([^"]+)"/g)].map((m) => m[1]);
const styles = readFileSync(new URL('../styles.css', import.meta.url), 'utf8');

describe('PWA config', () => {
  it('every manifest shortcut is a route of the app (Training, Features, Steering, Kiosk)', () => {
    expect(SHORTCUTS.map((s) => s.name)).toEqual(['Training', 'Features', 'Steering', 'Kiosk']);
    for (const s of SHORTCUTS) expect(routes, `${s.name} → ${s.url}`).toContain(s.url);
  });

  it("the background colour is the page's own and the theme colour is index.html's", () => {
    expect(styles).toContain(`--bg: ${THEME.background};`);
    expect(readFileSync(new URL('../../index.html', import.meta.url), 'utf8')).toContain(`<meta name="theme-color" content="${THEME.theme}" />`);
  });

  it("the precache size limit holds onnxruntime-web's 26.8 MB WASM", () => {
    const wasm = readFileSync(new URL('../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm', import.meta.url));
    expect(pwaOptions.injectManifest?.maximumFileSizeToCacheInBytes).toBeGreaterThan(wasm.byteLength);
    expect(pwaOptions.injectManifest?.globPatterns?.join(' ')).toContain('wasm');
  });
});
