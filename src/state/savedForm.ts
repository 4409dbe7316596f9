// Form choices that survive leaving the page and reloading the tab: a Solid store saved to
// sessionStorage on every change and restored over the defaults field by field.
import { createEffect } from 'solid-js';
import { createStore, type SetStoreFunction } from 'solid-js/store';

/** `defaults` with every field of `saved` (JSON) whose type matches the default's; anything else is ignored. */
export function restoreForm<T extends object>(saved: string | null, defaults: T): T {
  let parsed: unknown;
  try {
    parsed = saved === null ? null : JSON.parse(saved);
  } catch {
    return { ...defaults };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ...defaults };
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, def] of Object.entries(defaults)) {
    const v = (parsed as Record<string, unknown>)[key];
    if (typeof v === typeof def && (typeof v !== 'number' || Number.isFinite(v))) out[key] = v;
  }
  return out as T;
}

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}

/** A store for a form, kept under `key` for this tab (a write that does not fit is skipped; the form still works). */
export function createSavedForm<T extends object>(key: string, defaults: T): [T, SetStoreFunction<T>] {
  const [form, setForm] = createStore<T>(restoreForm(storage()?.getItem(key) ?? null, defaults));
  createEffect(() => {
    const json = JSON.stringify(form);
    try {
      storage()?.setItem(key, json);
    } catch {
      // Over the storage quota (a very long pasted text): the choices live only while the page is open.
    }
  });
  return [form, setForm];
}
