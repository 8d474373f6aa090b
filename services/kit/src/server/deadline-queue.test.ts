import { createDeadlineQueue, type Deadlined } from './deadline-queue';

interface Item extends Deadlined {
  name: string;
}

const item = (name: string): Item => ({ name, deadlineSlot: -1 });

describe('createDeadlineQueue', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('expires each item when its deadline passes, earliest first, and never a removed one', () => {
    const expired: string[] = [];
    const queue = createDeadlineQueue<Item>((i) => expired.push(i.name));
    const [a, b, c, d] = [item('a'), item('b'), item('c'), item('d')];
    queue.add(c, 1_000_300);
    queue.add(a, 1_000_100);
    queue.add(d, 1_000_400);
    queue.add(b, 1_000_200);
    queue.remove(b);

    jest.advanceTimersByTime(99);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['a']);
    jest.advanceTimersByTime(300);
    expect(expired).toEqual(['a', 'c', 'd']);
    expect(queue.size).toBe(0);
    expect([a, b, c, d].map((i) => i.deadlineSlot)).toEqual([-1, -1, -1, -1]);
  });

  it('moves its one timer earlier when an earlier deadline arrives, and stops it when empty', () => {
    const expired: string[] = [];
    const queue = createDeadlineQueue<Item>((i) => expired.push(i.name));
    const late = item('late');
    const early = item('early');
    queue.add(late, 1_010_000);
    expect(jest.getTimerCount()).toBe(1);
    queue.add(early, 1_000_050);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(50);
    expect(expired).toEqual(['early']);
    queue.remove(late);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(20_000);
    expect(expired).toEqual(['early']);
  });

  it('expires an item whose deadline has already passed on the next turn', () => {
    const expired: string[] = [];
    const queue = createDeadlineQueue<Item>((i) => expired.push(i.name));
    queue.add(item('past'), 999_000);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(0);
    expect(expired).toEqual(['past']);
  });

  it('keeps the earliest deadline first through many random adds and removes', () => {
    const expired: Array<{ name: string; at: number }> = [];
    let now = 0;
    const queue = createDeadlineQueue<Item & { at: number }>((i) => expired.push({ name: i.name, at: now }), () => now);
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const live = new Map<string, Item & { at: number }>();
    for (let n = 0; n < 2_000; n++) {
      if (live.size > 0 && random() < 0.4) {
        const names = [...live.keys()];
        const victim = live.get(names[Math.floor(random() * names.length)]!)!;
        queue.remove(victim);
        live.delete(victim.name);
      } else {
        const it = { name: `i${n}`, deadlineSlot: -1, at: Math.floor(random() * 10_000) };
        queue.add(it, it.at);
        live.set(it.name, it);
      }
    }
    expect(queue.size).toBe(live.size);
    now = 10_000;
    jest.advanceTimersByTime(20_000);
    const expectedOrder = [...live.values()].sort((x, y) => x.at - y.at).map((i) => i.at);
    expect(expired.map((e) => live.get(e.name)!.at)).toEqual(expectedOrder);
    expect(queue.size).toBe(0);
  });
});
