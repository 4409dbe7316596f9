// Reads Lantern's IndexedDB straight from the page (what is really stored), for e2e assertions.
import type { Page } from '@playwright/test';

/** Every row of `store`; ArrayBuffer fields come back as byte arrays so they cross to Node. */
export function storedRows<T>(page: Page, store: string): Promise<T[]> {
  return page.evaluate(
    (name) =>
      new Promise<unknown[]>((resolve, reject) => {
        const open = indexedDB.open('lantern');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction(name).objectStore(name).getAll();
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            open.result.close();
            resolve(
              (req.result as Record<string, unknown>[]).map((row) =>
                Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof ArrayBuffer ? Array.from(new Uint8Array(v)) : v])),
              ),
            );
          };
        };
      }),
    store,
  ) as Promise<T[]>;
}
