import { lockRemainingMs, NO_FAILURES, recordFailure, type FailureState } from './login-throttle';

const policy = { maxFailures: 3, windowMs: 60_000, lockMs: 300_000 };

function fail(times: number, start: number, step = 1_000, from: FailureState = NO_FAILURES): FailureState {
  let state = from;
  for (let i = 0; i < times; i++) state = recordFailure(state, start + i * step, policy);
  return state;
}

describe('the login throttle', () => {
  it('counts failures without locking below the limit', () => {
    const state = fail(2, 0);
    expect(state).toEqual({ failedCount: 2, firstFailedAt: 0, lockedUntil: null });
    expect(lockRemainingMs(state, 2_000)).toBe(0);
  });

  it('locks the account for the lock duration at the limit', () => {
    const state = fail(3, 0);
    expect(state.lockedUntil).toBe(2_000 + 300_000);
    expect(lockRemainingMs(state, 2_000)).toBe(300_000);
    expect(lockRemainingMs(state, 302_000)).toBe(0);
  });

  it('does not extend a running lock when failures keep coming', () => {
    const locked = fail(3, 0);
    expect(recordFailure(locked, 10_000, policy)).toBe(locked);
  });

  it('starts a new count once the window has passed', () => {
    const state = fail(2, 0);
    expect(recordFailure(state, 60_000, policy)).toEqual({ failedCount: 1, firstFailedAt: 60_000, lockedUntil: null });
  });

  it('starts a new count after a lock has run out', () => {
    const locked = fail(3, 0);
    expect(recordFailure(locked, 400_000, policy)).toEqual({ failedCount: 1, firstFailedAt: 400_000, lockedUntil: null });
  });

  it('counts failures spread over less than the window together', () => {
    expect(fail(3, 0, 29_000).lockedUntil).toBe(58_000 + 300_000);
  });
});
