/**
 * PublishedSignal tells PullEvents calls waiting in this process that the
 * relay has given new events a feed position. `version` counts the
 * notifications: a waiter reads it before it reads the feed and waits only
 * while it is unchanged, so an event published between its read and its
 * wait is not slept through.
 */
export interface PublishedSignal {
  readonly version: number;
  /** notify wakes every waiter. */
  notify(): void;
  /**
   * wait resolves once the version differs from `seen` (at once if it
   * already does), after `ms`, or when `signal` aborts; it never rejects.
   */
  wait(seen: number, ms: number, signal: AbortSignal): Promise<void>;
}

/** createPublishedSignal makes the signal one service's feed relay and feed service share. */
export function createPublishedSignal(): PublishedSignal {
  let version = 0;
  let waiters = new Set<() => void>();
  return {
    get version() {
      return version;
    },
    notify() {
      version += 1;
      const woken = waiters;
      waiters = new Set();
      for (const wake of woken) wake();
    },
    wait(seen, ms, signal) {
      if (seen !== version || signal.aborted || ms <= 0) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        waiters.add(done);
      });
    },
  };
}
