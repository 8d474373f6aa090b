import { createSerialQueue } from './serial-queue';
import { sleep } from './test-backends';

describe('createSerialQueue', () => {
  it('runs tasks one at a time in submission order', async () => {
    const queue = createSerialQueue();
    const events: string[] = [];
    const task = (name: string, ms: number) =>
      queue.run(async () => {
        events.push(`start ${name}`);
        await sleep(ms);
        events.push(`end ${name}`);
        return name;
      });
    expect(await Promise.all([task('a', 20), task('b', 1), task('c', 5)])).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('keeps going after a task fails', async () => {
    const queue = createSerialQueue();
    const failed = queue.run(async () => {
      throw new Error('first');
    });
    const next = queue.run(async () => 'second');
    await expect(failed).rejects.toThrow('first');
    await expect(next).resolves.toBe('second');
  });
});
