import { startSweeper } from './sweeper';

const quietLog = { info: () => {}, error: () => {} };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('startSweeper', () => {
  it('sweeps repeatedly and never runs two sweeps at once', async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const stop = startSweeper({
      intervalMs: 5,
      log: quietLog,
      sweep: async () => {
        running += 1;
        overlapped ||= running > 1;
        await sleep(20);
        running -= 1;
        runs += 1;
        return 0;
      },
    });
    await sleep(150);
    await stop();
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(overlapped).toBe(false);
  });

  it('logs a failed sweep and keeps going', async () => {
    const errors: object[] = [];
    let runs = 0;
    const stop = startSweeper({
      intervalMs: 5,
      log: { info: () => {}, error: (details) => void errors.push(details) },
      sweep: async () => {
        runs += 1;
        if (runs === 1) throw new Error('database went away');
        return 0;
      },
    });
    await sleep(80);
    await stop();
    expect(errors).toHaveLength(1);
    expect(runs).toBeGreaterThan(1);
  });

  it('waits for a sweep in progress when stopped and starts no new one', async () => {
    let finished = false;
    let started = 0;
    const stop = startSweeper({
      intervalMs: 1,
      log: quietLog,
      sweep: async () => {
        started += 1;
        await sleep(50);
        finished = true;
        return 1;
      },
    });
    await sleep(20);
    await stop();
    expect(finished).toBe(true);
    const startedAtStop = started;
    await sleep(30);
    expect(started).toBe(startedAtStop);
  });
});
