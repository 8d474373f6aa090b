/** LoginThrottlePolicy says how many failures lock an account, over what window and for how long. */
export interface LoginThrottlePolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

/** FailureState is an account's failed-login bookkeeping; times are epoch milliseconds. */
export interface FailureState {
  failedCount: number;
  /** firstFailedAt starts the window in which failures are counted. */
  firstFailedAt: number | null;
  lockedUntil: number | null;
}

/** NO_FAILURES is the state after a successful login. */
export const NO_FAILURES: Readonly<FailureState> = Object.freeze({ failedCount: 0, firstFailedAt: null, lockedUntil: null });

/** lockRemainingMs is how long the account stays locked at now; 0 when it is not locked. */
export function lockRemainingMs(state: FailureState, now: number): number {
  return state.lockedUntil !== null && state.lockedUntil > now ? state.lockedUntil - now : 0;
}

/**
 * recordFailure returns the state after one more failed login at now.
 * Failures are counted in a fixed window from the first one; a failure after
 * the window, or after a lock has run out, starts a new count. Reaching
 * maxFailures locks the account for lockMs.
 */
export function recordFailure(state: FailureState, now: number, policy: LoginThrottlePolicy): FailureState {
  if (lockRemainingMs(state, now) > 0) return state;
  const lockExpired = state.lockedUntil !== null;
  const windowOver = state.firstFailedAt === null || now - state.firstFailedAt >= policy.windowMs;
  const fresh = lockExpired || windowOver;
  const failedCount = fresh ? 1 : state.failedCount + 1;
  const firstFailedAt = fresh ? now : state.firstFailedAt;
  const lockedUntil = failedCount >= policy.maxFailures ? now + policy.lockMs : null;
  return { failedCount, firstFailedAt, lockedUntil };
}
