import { migrate } from '../store/migrate';
import { describeEachBackend, type TestStore } from '../store/test-backends';
import { appendEvents } from './append-events';
import { leaseUnpublished, msUntilLeaseEnds } from './outbox-repo';
import { orderConfirmed } from './test-harness';

describeEachBackend((backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await backend.open();
    // No migrations of its own: migrate creates the kit's tables.
    await migrate(store.db, []);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it('says when the earliest lease on an unpublished row runs out: none while nothing is leased', async () => {
    expect(await msUntilLeaseEnds(store.db)).toBeUndefined();
    await store.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('o-1')]));
    expect(await msUntilLeaseEnds(store.db)).toBeUndefined();
    expect(await leaseUnpublished(store.db, 10, 30_000)).toHaveLength(1);
    const ends = await msUntilLeaseEnds(store.db);
    expect(ends).toBeGreaterThan(25_000);
    expect(ends).toBeLessThanOrEqual(30_000);
    await store.db.query(`UPDATE event_outbox SET lease_until = now() - interval '1 second'`);
    expect(await msUntilLeaseEnds(store.db)).toBe(0);
  });
});
