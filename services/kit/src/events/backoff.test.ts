import { backoffDelay, sleep } from './backoff';

describe('backoffDelay', () => {
  const shape = { initialMs: 100, maxMs: 1_000 };

  it('doubles the delay per attempt and stops at the cap', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4, 5, 9].map((attempt) => backoffDelay(attempt, shape, noJitter))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('takes at most a fifth off at random', () => {
    expect(backoffDelay(2, shape, () => 1)).toBe(160);
    expect(backoffDelay(2, shape, () => 0.5)).toBe(180);
  });
});

describe('sleep', () => {
  it('returns at once when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const slept = sleep(10_000, controller.signal);
    controller.abort();
    await slept;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
