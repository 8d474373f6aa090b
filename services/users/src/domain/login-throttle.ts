/**
 * The login throttle: growing delays per account and client address, never
 * a lock (the OWASP authentication guidance). A hard lock per account lets
 * anyone lock anyone out, the admin included, by typing wrong passwords; a
 * delay per (account, address) slows the one guessing while the owner,
 * from another address, logs in as always. The first `freeFailures`
 * failures cost nothing; each one after that doubles the wait before the
 * next attempt from that address, from `baseDelayMs` up to `maxDelayMs`.
 * Failures are forgotten after `forgetAfterMs` without one.
 */

/** LoginThrottlePolicy says how failures turn into delays. */
export interface LoginThrottlePolicy {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
}

/** FailureState is one (account, address) pair's bookkeeping; times are epoch milliseconds. */
export interface FailureState {
  failedCount: number;
  lastFailedAt: number | null;
  /** nextAttemptAt is when the next attempt is allowed; null when it is allowed now. */
  nextAttemptAt: number | null;
}

/** NO_FAILURES is the state of a pair that has not failed (or has just succeeded). */
export const NO_FAILURES: Readonly<FailureState> = Object.freeze({ failedCount: 0, lastFailedAt: null, nextAttemptAt: null });

/** waitRemainingMs is how long the pair must wait before its next attempt at now; 0 when it may try. */
export function waitRemainingMs(state: FailureState, now: number): number {
  return state.nextAttemptAt !== null && state.nextAttemptAt > now ? state.nextAttemptAt - now : 0;
}

/** delayAfter is the wait that follows the count-th failure in a row. */
export function delayAfter(count: number, policy: LoginThrottlePolicy): number {
  if (count <= policy.freeFailures) return 0;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(count - policy.freeFailures - 1, 40));
}

/** recordFailure returns the state after one more failed attempt at now. */
export function recordFailure(state: FailureState, now: number, policy: LoginThrottlePolicy): FailureState {
  const remembered = state.lastFailedAt !== null && now - state.lastFailedAt < policy.forgetAfterMs ? state.failedCount : 0;
  const failedCount = remembered + 1;
  const delay = delayAfter(failedCount, policy);
  return { failedCount, lastFailedAt: now, nextAttemptAt: delay > 0 ? now + delay : null };
}
