/** BackoffOptions shape an exponential backoff. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * backoffDelay is the pause before retry number `attempt` (1 for the first
 * retry): initialMs doubled per attempt, capped at maxMs, with up to a
 * fifth taken off at random so many waiters do not retry in step.
 */
export function backoffDelay(attempt: number, { initialMs, maxMs }: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - 0.2 * random()));
}

/** sleep resolves after ms, or at once when signal aborts (it never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
