// A screen wake lock held while the page is visible: requested at once, re-acquired whenever the tab
// becomes visible again (the browser releases it on hide), released on cleanup; its state as a signal.
import { createSignal, onCleanup, type Accessor } from 'solid-js';

export type WakeLockState = { state: 'requesting' | 'held' | 'released' | 'unsupported' } | { state: 'refused'; reason: string };

export function createScreenWakeLock(): Accessor<WakeLockState> {
  const [state, setState] = createSignal<WakeLockState>({ state: 'requesting' });
  let sentinel: WakeLockSentinel | undefined;
  let alive = true;

  const acquire = async () => {
    if (!('wakeLock' in navigator)) return setState({ state: 'unsupported' });
    if (document.visibilityState !== 'visible' || (sentinel && !sentinel.released)) return;
    setState({ state: 'requesting' });
    try {
      const lock = await navigator.wakeLock.request('screen');
      if (!alive) return void lock.release();
      sentinel = lock;
      setState({ state: 'held' });
      lock.addEventListener('release', () => {
        if (alive) setState({ state: 'released' });
      });
    } catch (e) {
      setState({ state: 'refused', reason: e instanceof Error ? e.message : String(e) });
    }
  };

  const onVisibility = () => void acquire();
  document.addEventListener('visibilitychange', onVisibility);
  void acquire();
  onCleanup(() => {
    alive = false;
    document.removeEventListener('visibilitychange', onVisibility);
    void sentinel?.release();
  });
  return state;
}
