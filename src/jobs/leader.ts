// Which tab runs the job queue: the one whose GPU worker holds the Web Lock. Other tabs wait for
// the lock (the browser hands it over when the holder's tab closes) and, meanwhile, send what
// needs the running queue (a kick for new work, controls of the running job) over a BroadcastChannel.

export const QUEUE_LOCK = 'lantern-queue';
export const QUEUE_CHANNEL = 'lantern-queue';

export type QueueMessage = { type: 'kick' } | { type: 'control'; action: 'pause' | 'stop' | 'cancel'; id: string };

export interface Leadership {
  /** True once this context holds the lock. */
  owner(): boolean;
  /** Lets the lock go (or stops waiting for it). */
  release(): void;
}

/**
 * Asks for the queue lock. Resolves once it is known whether this context leads now: at once
 * when the lock is free (after `onLead` has run), else at once as a follower that keeps
 * waiting and runs `onLead` when the lock comes (`onLead` must not throw there: nobody awaits it).
 * Without Web Locks (Node) this context leads.
 */
export function requestLeadership(locks: LockManager | undefined, onLead: () => Promise<void>): Promise<Leadership> {
  let owner = false;
  let letGo!: () => void;
  const held = new Promise<void>((resolve) => (letGo = resolve));
  const abort = new AbortController();
  const handle: Leadership = {
    owner: () => owner,
    release() {
      owner = false;
      letGo();
      abort.abort();
    },
  };
  const lead = async () => {
    owner = true;
    await onLead();
  };
  if (!locks) return lead().then(() => handle);
  return new Promise<Leadership>((settle, fail) => {
    locks
      .request(QUEUE_LOCK, { ifAvailable: true }, async (lock) => {
        if (lock) {
          await lead();
          settle(handle);
          return held;
        }
        settle(handle);
        // Held for the worker's lifetime once granted: the browser frees it when the tab closes.
        locks
          .request(QUEUE_LOCK, { signal: abort.signal }, async () => {
            await lead();
            return held;
          })
          // Rejects with an AbortError when released while still waiting; onLead reports its own failures.
          .catch(() => {});
      })
      .catch(fail);
  });
}
