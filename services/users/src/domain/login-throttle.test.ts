import { delayAfter, NO_FAILURES, recordFailure, waitRemainingMs, type FailureState } from './login-throttle';

const policy = { freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 60_000, forgetAfterMs: 900_000 };

function fail(times: number, start: number, step = 1_000, from: FailureState = NO_FAILURES): FailureState {
  let state = from;
  for (let i = 0; i < times; i++) state = recordFailure(state, start + i * step, policy);
  return state;
}

describe('the login throttle', () => {
  it('lets the first failures through without a delay', () => {
    const state = fail(3, 0);
    expect(state).toEqual({ failedCount: 3, lastFailedAt: 2_000, nextAttemptAt: null });
    expect(waitRemainingMs(state, 2_000)).toBe(0);
  });

  it('doubles the wait with each failure after that, up to the cap, and never locks', () => {
    expect([4, 5, 6, 7, 8, 9, 10, 20, 1_000].map((n) => delayAfter(n, policy))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    const state = fail(5, 0);
    expect(state.nextAttemptAt).toBe(4_000 + 2_000);
    expect(waitRemainingMs(state, 5_000)).toBe(1_000);
    expect(waitRemainingMs(state, 6_000)).toBe(0);
  });

  it('forgets failures after a quiet period', () => {
    const state = fail(5, 0);
    expect(recordFailure(state, 4_000 + 900_000, policy)).toEqual({ failedCount: 1, lastFailedAt: 904_000, nextAttemptAt: null });
    expect(recordFailure(state, 4_000 + 899_999, policy).failedCount).toBe(6);
  });
});
