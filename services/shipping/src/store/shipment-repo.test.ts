import path from 'node:path';
import { loadMigrations, migrate } from '@shop/kit';
import { describeEachBackend, type TestStore } from '@shop/kit/store/test-backends';
import { insertShipment, msUntilNextDue } from './shipment-repo';

const MIGRATIONS = path.join(__dirname, '..', '..', 'migrations');

describeEachBackend((backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await backend.open();
    await migrate(store.db, await loadMigrations(MIGRATIONS));
  });
  afterAll(async () => {
    await store?.dispose();
  });

  const ship = (orderId: string, shipDelayMs: number) =>
    store.db.transaction((tx) =>
      insertShipment(tx, {
        id: crypto.randomUUID(),
        order: { orderId, userId: crypto.randomUUID(), items: [], address: undefined } as never,
        carrier: 'test',
        trackingNumber: `T-${orderId.slice(0, 8)}`,
        shipDelayMs,
      }),
    );

  it('says when the next pending shipment is due: none, then the earliest, then 0 once it is', async () => {
    expect(await msUntilNextDue(store.db)).toBeUndefined();
    await ship(crypto.randomUUID(), 60_000);
    await ship(crypto.randomUUID(), 30_000);
    const due = await msUntilNextDue(store.db);
    expect(due).toBeGreaterThan(25_000);
    expect(due).toBeLessThanOrEqual(30_000);
    await ship(crypto.randomUUID(), 0);
    expect(await msUntilNextDue(store.db)).toBe(0);
  });
});
