// Screenshots for looking at pages, taken only when LANTERN_SHOTS names a folder (never by CI).
import { mkdir } from 'node:fs/promises';
import type { Page } from '@playwright/test';

/** Sizes a laptop and a kiosk display meet. */
export const LAPTOP_SIZES = [
  [1440, 900],
  [1280, 720],
] as const;
export const KIOSK_SIZES = [
  [1920, 1080],
  [1280, 720],
] as const;

/** `name.png` of the full page (or the viewport), or `name-WxH.png` at each size, then the config's viewport again. */
export async function shoot(page: Page, name: string, o: { sizes?: readonly (readonly [number, number])[]; fullPage?: boolean } = {}): Promise<void> {
  const dir = process.env.LANTERN_SHOTS;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  if (!o.sizes) {
    await page.screenshot({ path: `${dir}/${name}.png`, fullPage: o.fullPage ?? true });
    return;
  }
  for (const [width, height] of o.sizes) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${dir}/${name}-${width}x${height}.png` });
  }
  await page.setViewportSize({ width: 1360, height: 860 });
}
