import { Client } from 'pg';
import { channelFor, NOTIFY_SQL } from './notifications';
import { describeEachBackend, describePostgres, testDatabaseUrl, type TestStore } from './test-backends';

/** counter counts a listener's calls and lets a test wait for the next one. */
function counter() {
  let calls = 0;
  let waiters: Array<() => void> = [];
  return {
    fn: () => {
      calls += 1;
      for (const w of waiters.splice(0)) w();
    },
    get calls() {
      return calls;
    },
    /** next resolves true at the next call, false after ms without one. */
    next(ms: number): Promise<boolean> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  };
}

describeEachBackend((backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it('wakes a listener when a transaction that notified commits, and not before', async () => {
    const heard = counter();
    const sub = await store.db.listen('outbox', heard.fn);
    try {
      let inside = -1;
      const woken = heard.next(5_000);
      await store.db.transaction(async (tx) => {
        await tx.query(NOTIFY_SQL, ['outbox']);
        await new Promise((r) => setTimeout(r, 50));
        inside = heard.calls;
      });
      expect(inside).toBe(0);
      expect(await woken).toBe(true);
    } finally {
      await sub.close();
    }
  });

  it('does not wake a listener for a rolled-back transaction or another topic', async () => {
    const heard = counter();
    const sub = await store.db.listen('feed', heard.fn);
    try {
      await expect(
        store.db.transaction(async (tx) => {
          await tx.query(NOTIFY_SQL, ['feed']);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await store.db.query(NOTIFY_SQL, ['outbox']);
      expect(await heard.next(300)).toBe(false);
    } finally {
      await sub.close();
    }
  });

  it('stops calling a listener once its subscription is closed', async () => {
    const heard = counter();
    const sub = await store.db.listen('outbox', heard.fn);
    await sub.close();
    await store.db.query(NOTIFY_SQL, ['outbox']);
    expect(await heard.next(300)).toBe(false);
  });
});

describe('channelFor', () => {
  it('names the channel by schema and topic, and refuses what LISTEN would truncate', () => {
    expect(channelFor('orders', 'outbox')).toBe('orders__outbox');
    expect(() => channelFor('orders', 'Out box')).toThrow(TypeError);
    expect(() => channelFor('s'.repeat(60), 'outbox')).toThrow(RangeError);
  });
});

describePostgres('notifications on PostgreSQL', (backend) => {
  let a: TestStore;
  let b: TestStore;
  beforeAll(async () => {
    a = await backend.open();
    b = await backend.open();
  });
  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
  });

  it("reach another replica's listener, and not a listener in another schema", async () => {
    const replica = await a.connectAgain!();
    const mine = counter();
    const other = counter();
    const subs = [await replica.listen('outbox', mine.fn), await b.db.listen('outbox', other.fn)];
    try {
      const woken = mine.next(5_000);
      await a.db.query(NOTIFY_SQL, ['outbox']);
      expect(await woken).toBe(true);
      expect(await other.next(300)).toBe(false);
    } finally {
      for (const s of subs) await s.close();
    }
  });

  it('listen again after the connection is lost, calling the listener once for what it may have missed', async () => {
    const heard = counter();
    const sub = await a.db.listen('outbox', heard.fn);
    try {
      const admin = new Client({ connectionString: testDatabaseUrl });
      await admin.connect();
      const reconnected = heard.next(10_000);
      try {
        const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'store-test listener' AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()");
        expect(rowCount).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      expect(await reconnected).toBe(true);
      const woken = heard.next(5_000);
      await a.db.query(NOTIFY_SQL, ['outbox']);
      expect(await woken).toBe(true);
    } finally {
      await sub.close();
    }
  });
});
