// Toast notifications: a tiny store with auto-dismiss.
import { createStore } from 'solid-js/store';

export type ToastTone = 'info' | 'success' | 'error';
export interface Toast {
  id: number;
  tone: ToastTone;
  title: string;
  body?: string;
}

const [toasts, setToasts] = createStore<Toast[]>([]);
let nextId = 1;

/** At most this many toasts show at once (the oldest goes first), so they never pile up over the page. */
const MAX_SHOWN = 4;

export function toast(tone: ToastTone, title: string, body?: string, ms = tone === 'error' ? 12_000 : 5_000): void {
  const id = nextId++;
  setToasts((list) => [...list.filter((t) => t.title !== title || t.body !== body), { id, tone, title, body }].slice(-MAX_SHOWN));
  setTimeout(() => dismissToast(id), ms);
}

export function dismissToast(id: number): void {
  setToasts((list) => list.filter((t) => t.id !== id));
}

export { toasts };
