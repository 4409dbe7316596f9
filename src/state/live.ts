// Dexie liveQuery as a Solid accessor that re-subscribes when its Solid dependencies change.
import { liveQuery } from 'dexie';
import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js';

/**
 * `deps` is read by Solid (tracked); `query` runs inside Dexie's liveQuery (re-run on writes
 * to what it read). Without deps, the query is subscribed once.
 */
export function createLiveQuery<D, T>(deps: Accessor<D>, query: (deps: D) => Promise<T>, onError?: (e: unknown) => void): Accessor<T | undefined> {
  const [value, setValue] = createSignal<T>();
  createEffect(
    on(deps, (d) => {
      const sub = liveQuery(() => query(d)).subscribe({ next: (v) => setValue(() => v), error: (e) => onError?.(e) });
      onCleanup(() => sub.unsubscribe());
    }),
  );
  return value;
}

const none = () => undefined;

/** A liveQuery with no Solid dependencies. */
export function createLive<T>(query: () => Promise<T>): Accessor<T | undefined> {
  return createLiveQuery(none, query);
}
