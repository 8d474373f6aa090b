import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createPgliteDatabase, loadMigrations, migrate, openDatabase, type Database, type Queryable } from '@shop/kit';
import { backends, dropSchema, TEST_DATABASE_URL, type Backend } from '@shop/kit/testing';
import type { StockLevel } from '../src/domain/types';
import type { InventoryDeps } from '../src/operations/deps';
import { expireDueReservations } from '../src/operations/expire-reservations';
import { createLowStockWatch } from '../src/operations/low-stock';
import { reserveStock } from '../src/operations/reserve-stock';
import { commitReservation, releaseReservation, returnReservation } from '../src/operations/settle-reservation';
import { adjustStock, setStock } from '../src/operations/stock-admin';
import { listMovements } from '../src/store/movement-repo';
import { readLevels } from '../src/store/stock-repo';

const MIGRATIONS = path.join(__dirname, '..', 'migrations');

/** Store is a migrated inventory database and, on PostgreSQL, a way to open a second pool on it (a second replica). */
interface Store {
  db: Database;
  connectAgain?: () => Promise<Database>;
  dispose(): Promise<void>;
}

/**
 * openStore gives each test a fresh, migrated schema: on PGlite inside one
 * instance shared by the suite (starting PGlite takes seconds; its single
 * connection keeps the search_path set here), on PostgreSQL in its own pool.
 */
async function openStore(backend: Backend, pglite: () => Promise<Database>): Promise<Store> {
  const schema = `t_inventory_${randomBytes(4).toString('hex')}`;
  if (backend === 'pglite') {
    const db = await pglite();
    await db.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
    await migrate(db, await loadMigrations(MIGRATIONS));
    return { db, dispose: () => db.query(`DROP SCHEMA ${schema} CASCADE; SET search_path TO public`).then(() => undefined) };
  }
  const connect = () => openDatabase({ service: 'inventory', databaseUrl: TEST_DATABASE_URL, schema });
  const handles = [await connect()];
  await migrate(handles[0]!, await loadMigrations(MIGRATIONS));
  return {
    db: handles[0]!,
    async connectAgain() {
      const db = await connect();
      handles.push(db);
      return db;
    },
    async dispose() {
      await Promise.all(handles.map((db) => db.close()));
      await dropSchema(schema);
    },
  };
}

function reserveInput(reservationId: string, items: Array<[string, bigint]>, ttlMs = 60_000) {
  return { reservationId, orderId: `order-${reservationId}`, items: items.map(([sku, quantity]) => ({ sku, quantity })), ttlMs };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe.each(backends())('the inventory store on %s', (backend: Backend) => {
  let store: Store;
  let deps: InventoryDeps;
  let lowSeen: Array<{ tx: Queryable; level: StockLevel }>;

  let shared: Promise<Database> | undefined;
  const pglite = () => (shared ??= createPgliteDatabase({}));
  afterAll(async () => {
    if (shared) await (await shared).close();
  });

  beforeEach(async () => {
    store = await openStore(backend, pglite);
    lowSeen = [];
    deps = { db: store.db, lowStock: createLowStockWatch(5, async (tx, level) => void lowSeen.push({ tx, level })) };
  });
  afterEach(() => store.dispose());

  it('keeps a ledger from which every level can be recomputed', async () => {
    await setStock(deps, { sku: 'MUG-001', onHand: 20n }, 'admin-1');
    await adjustStock(deps, { sku: 'MUG-001', delta: 5n, reason: 'delivery', requestId: '' }, 'admin-1');
    await reserveStock(deps, reserveInput('r-commit', [['MUG-001', 4n]]), 'service:orders');
    await reserveStock(deps, reserveInput('r-release', [['MUG-001', 3n]]), 'service:orders');
    await reserveStock(deps, reserveInput('r-expire', [['MUG-001', 2n]], 1), 'service:orders');
    await commitReservation(deps, 'r-commit', 'service:orders');
    await releaseReservation(deps, 'r-release', 'payment declined', 'service:orders');
    await sleep(5);
    expect(await expireDueReservations(store.db, { batchSize: 10 })).toBe(1);

    const movements = await listMovements(store.db, 'MUG-001');
    expect(movements.map((m) => [m.kind, m.quantity, m.reservation_id])).toEqual([
      ['set', '20', null],
      ['adjust', '5', null],
      ['reserve', '4', 'r-commit'],
      ['reserve', '3', 'r-release'],
      ['reserve', '2', 'r-expire'],
      ['commit', '4', 'r-commit'],
      ['release', '3', 'r-release'],
      ['expire', '2', 'r-expire'],
    ]);
    expect(movements.find((m) => m.kind === 'release')).toMatchObject({ reason: 'payment declined', actor: 'service:orders' });
    expect(movements.find((m) => m.kind === 'adjust')).toMatchObject({ reason: 'delivery', actor: 'admin-1' });

    const sum = (kinds: string[]) => movements.filter((m) => kinds.includes(m.kind)).reduce((n, m) => n + BigInt(m.quantity), 0n);
    const level = (await readLevels(store.db, ['MUG-001'])).get('MUG-001')!;
    expect(level.onHand).toBe(sum(['set', 'adjust']) - sum(['commit']));
    expect(level.reserved).toBe(sum(['reserve']) - sum(['commit', 'release', 'expire']));
    expect(level.sold).toBe(sum(['commit']));
    expect(level).toMatchObject({ onHand: 21n, reserved: 0n, sold: 4n });
    const last = movements[movements.length - 1]!;
    expect([last.on_hand_after, last.reserved_after]).toEqual(['21', '0']);
  });

  it('records a return of committed units, from which on_hand and sold are still recomputed', async () => {
    await setStock(deps, { sku: 'MUG-001', onHand: 10n }, 'admin-1');
    await reserveStock(deps, reserveInput('r-return', [['MUG-001', 4n]]), 'service:orders');
    await commitReservation(deps, 'r-return', 'service:orders');
    await returnReservation(deps, 'r-return', 'order cancelled', 'service:orders');
    await returnReservation(deps, 'r-return', 'order cancelled', 'service:orders');

    const movements = await listMovements(store.db, 'MUG-001');
    expect(movements.map((m) => [m.kind, m.quantity, m.on_hand_after, m.reserved_after])).toEqual([
      ['set', '10', '10', '0'],
      ['reserve', '4', '10', '4'],
      ['commit', '4', '6', '0'],
      ['return', '4', '10', '0'],
    ]);
    expect(movements[3]).toMatchObject({ reason: 'order cancelled', actor: 'service:orders', reservation_id: 'r-return' });
    const sum = (kinds: string[]) => movements.filter((m) => kinds.includes(m.kind)).reduce((n, m) => n + BigInt(m.quantity), 0n);
    const level = (await readLevels(store.db, ['MUG-001'])).get('MUG-001')!;
    expect(level.onHand).toBe(sum(['set', 'adjust', 'return']) - sum(['commit']));
    expect(level.sold).toBe(sum(['commit']) - sum(['return']));
    expect(level).toMatchObject({ onHand: 10n, reserved: 0n, sold: 0n });
  });

  it('refuses to change or delete ledger rows', async () => {
    await setStock(deps, { sku: 'MUG-001', onHand: 3n }, 'admin-1');
    await expect(store.db.query(`UPDATE stock_movements SET quantity = 99`)).rejects.toThrow(/append-only/);
    await expect(store.db.query(`DELETE FROM stock_movements`)).rejects.toThrow(/append-only/);
    expect(await listMovements(store.db, 'MUG-001')).toHaveLength(1);
  });

  it('has CHECK constraints that stop any write leaving stock negative or over-reserved', async () => {
    await setStock(deps, { sku: 'MUG-001', onHand: 3n }, 'admin-1');
    for (const sql of [
      `UPDATE stock SET reserved = on_hand + 1`,
      `UPDATE stock SET reserved = -1`,
      `UPDATE stock SET on_hand = -1`,
      `UPDATE stock SET sold = -1`,
    ]) {
      await expect(store.db.query(sql)).rejects.toMatchObject({ code: '23514' });
    }
  });

  it('calls the low-stock seam inside the transaction, once when availability crosses the threshold', async () => {
    await setStock(deps, { sku: 'MUG-001', onHand: 10n }, 'admin-1');
    expect(lowSeen).toEqual([]);
    await reserveStock(deps, reserveInput('r-1', [['MUG-001', 4n]]), 'service:orders');
    expect(lowSeen).toEqual([]);
    await reserveStock(deps, reserveInput('r-2', [['MUG-001', 2n]]), 'service:orders');
    expect(lowSeen.map((s) => s.level)).toEqual([expect.objectContaining({ sku: 'MUG-001', onHand: 10n, reserved: 6n })]);
    // The seam writes with the transaction it is given: a row written there commits with the reservation.
    expect(typeof lowSeen[0]!.tx.query).toBe('function');
    await reserveStock(deps, reserveInput('r-3', [['MUG-001', 1n]]), 'service:orders');
    expect(lowSeen).toHaveLength(1);
  });

  it('commits what the seam writes with the reservation, and rolls the reservation back when the seam fails', async () => {
    await setStock(deps, { sku: 'A-1', onHand: 10n }, 'admin-1');
    const marking: InventoryDeps = {
      db: store.db,
      lowStock: createLowStockWatch(5, async (tx, level) => {
        await tx.query(`INSERT INTO stock (sku, on_hand) VALUES ($1, 1)`, [`LOW-${level.sku}`]);
      }),
    };
    await reserveStock(marking, reserveInput('r-1', [['A-1', 6n]]), 'service:orders');
    expect((await readLevels(store.db, ['LOW-A-1'])).get('LOW-A-1')!.onHand).toBe(1n);

    await setStock(deps, { sku: 'B-1', onHand: 10n }, 'admin-1');
    const failing: InventoryDeps = {
      db: store.db,
      lowStock: createLowStockWatch(5, async () => {
        throw new Error('outbox unavailable');
      }),
    };
    await expect(reserveStock(failing, reserveInput('r-2', [['B-1', 6n]]), 'service:orders')).rejects.toThrow('outbox unavailable');
    expect((await readLevels(store.db, ['B-1'])).get('B-1')).toMatchObject({ reserved: 0n });
  });

  it('never calls the seam for a reservation that fails for lack of stock', async () => {
    await setStock(deps, { sku: 'A-1', onHand: 10n }, 'admin-1');
    await setStock(deps, { sku: 'B-1', onHand: 1n }, 'admin-1');
    lowSeen.length = 0;
    await expect(reserveStock(deps, reserveInput('r-1', [['A-1', 9n], ['B-1', 2n]]), 'service:orders')).rejects.toMatchObject({
      reason: 'INSUFFICIENT_STOCK',
    });
    expect(lowSeen).toEqual([]);
    expect((await readLevels(store.db, ['A-1'])).get('A-1')).toMatchObject({ reserved: 0n });
  });

  it('expires each due reservation exactly once when sweepers run side by side', async () => {
    await setStock(deps, { sku: 'MUG-001', onHand: 100n }, 'admin-1');
    for (let i = 0; i < 30; i++) await reserveStock(deps, reserveInput(`due-${i}`, [['MUG-001', 1n]], 1), 'service:orders');
    await reserveStock(deps, reserveInput('not-due', [['MUG-001', 5n]]), 'service:orders');
    await sleep(5);
    const second = store.connectAgain ? await store.connectAgain() : store.db;
    const counts = await Promise.all([
      expireDueReservations(store.db, { batchSize: 4 }),
      expireDueReservations(second, { batchSize: 4 }),
      expireDueReservations(store.db, { batchSize: 4 }),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
    expect((await readLevels(store.db, ['MUG-001'])).get('MUG-001')).toMatchObject({ onHand: 100n, reserved: 5n });
    const expired = (await listMovements(store.db, 'MUG-001')).filter((m) => m.kind === 'expire');
    expect(new Set(expired.map((m) => m.reservation_id)).size).toBe(30);
    expect(expired).toHaveLength(30);
  });

  it('lets a reservation be committed or expired but never both when commit and sweeper race', async () => {
    await setStock(deps, { sku: 'MUG-001', onHand: 10n }, 'admin-1');
    await reserveStock(deps, reserveInput('racy', [['MUG-001', 3n]], 1), 'service:orders');
    await sleep(5);
    const second = store.connectAgain ? await store.connectAgain() : store.db;
    const [commit] = await Promise.allSettled([
      commitReservation({ ...deps, db: second }, 'racy', 'service:orders'),
      expireDueReservations(store.db, { batchSize: 10 }),
    ]);
    // Past its expire_time, the commit must fail whichever transaction got the row first.
    expect(commit.status === 'rejected' && (commit.reason as { reason: string }).reason).toBe('RESERVATION_EXPIRED');
    const movements = await listMovements(store.db, 'MUG-001');
    expect(movements.filter((m) => m.kind === 'expire')).toHaveLength(1);
    expect(movements.filter((m) => m.kind === 'commit')).toHaveLength(0);
    expect((await readLevels(store.db, ['MUG-001'])).get('MUG-001')).toMatchObject({ onHand: 10n, reserved: 0n, sold: 0n });
  });
});
