// Storage persistence and usage (navigator.storage), shown on the System and Storage pages.

export interface StorageEstimateInfo {
  usage?: number;
  quota?: number;
  persisted?: boolean;
}

export async function storageInfo(): Promise<StorageEstimateInfo> {
  const s = navigator.storage;
  if (!s) return {};
  const [est, persisted] = await Promise.all([s.estimate?.() ?? Promise.resolve(undefined), s.persisted?.() ?? Promise.resolve(undefined)]);
  return { usage: est?.usage, quota: est?.quota, persisted };
}

/** Asks the browser not to evict Lantern's data; returns whether storage is persistent. */
export async function requestPersistence(): Promise<boolean> {
  const s = navigator.storage;
  if (!s?.persist) return false;
  if (await s.persisted()) return true;
  return s.persist();
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
