import { createPublishedSignal } from './published-signal';

describe('createPublishedSignal', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('wakes every waiter when notified', async () => {
    const published = createPublishedSignal();
    const woken: string[] = [];
    const never = new AbortController().signal;
    const a = published.wait(published.version, 10_000, never).then(() => woken.push('a'));
    const b = published.wait(published.version, 10_000, never).then(() => woken.push('b'));
    await Promise.resolve();
    expect(woken).toEqual([]);
    published.notify();
    await Promise.all([a, b]);
    expect(woken.sort()).toEqual(['a', 'b']);
    expect(published.version).toBe(1);
  });

  it('returns at once for a waiter that missed a notification after reading the version', async () => {
    const published = createPublishedSignal();
    const seen = published.version;
    published.notify();
    let done = false;
    void published.wait(seen, 10_000, new AbortController().signal).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(true);
  });

  it('gives up after the time asked for, or when its signal aborts', async () => {
    const published = createPublishedSignal();
    const timedOut = jest.fn();
    void published.wait(published.version, 500, new AbortController().signal).then(timedOut);
    jest.advanceTimersByTime(499);
    await Promise.resolve();
    expect(timedOut).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    await Promise.resolve();
    expect(timedOut).toHaveBeenCalled();

    const stop = new AbortController();
    const aborted = jest.fn();
    void published.wait(published.version, 10_000, stop.signal).then(aborted);
    stop.abort();
    await Promise.resolve();
    expect(aborted).toHaveBeenCalled();
    // A waiter that left is not woken again (nor kept) by a later notification.
    published.notify();
    expect(jest.getTimerCount()).toBe(0);
  });
});
