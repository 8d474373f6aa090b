import { backoffDelay } from './saga-runner';

describe('backoffDelay', () => {
  it('doubles per attempt from the base, capped, within ±20 % jitter', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 200, 5_000, mid))).toEqual([200, 400, 800, 1_600, 3_200, 5_000]);
    expect(backoffDelay(3, 200, 5_000, () => 0)).toBe(640);
    expect(backoffDelay(3, 200, 5_000, () => 0.999999)).toBe(960);
  });
});
