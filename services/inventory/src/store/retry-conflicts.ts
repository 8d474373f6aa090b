/** RETRYABLE_SQLSTATES are PostgreSQL's "try the transaction again" errors: serialization failure and deadlock. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

/** isRetryableConflict tells whether err is a transaction conflict that a fresh attempt may not hit. */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_SQLSTATES.has(code);
}

/**
 * retryConflicts runs a whole transaction again when PostgreSQL aborted it
 * with a serialization failure or a deadlock, up to attempts times, with a
 * short jittered pause so the transactions that collided do not collide
 * again in lockstep. Any other error, domain errors included, is thrown at
 * once. Only pass functions that open their own transaction: retrying
 * inside one would re-run statements of an aborted transaction.
 */
export async function retryConflicts<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= attempts || !isRetryableConflict(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
}
