import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { createPgliteDatabase, loadMigrations, migrate, openDatabase, type Database } from '@shop/kit';
import { backends, dropSchema, TEST_DATABASE_URL, type Backend } from '@shop/kit/testing';
import { initialSaga } from '../src/domain/saga';
import { insertOrder } from '../src/store/order-repo';
import { claimSaga, dueSagas, insertSaga, lockSaga, releaseLease, renewLease, saveSaga } from '../src/store/saga-repo';
import { recordOutcome, startNext } from '../src/saga/saga-transactions';

const MIGRATIONS = path.join(__dirname, '..', 'migrations');

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The lease is what keeps two processes from driving one saga. These tests
 * check it against the database itself: on PostgreSQL with two connection
 * pools (two replicas), on PGlite within one.
 */
describe.each(backends())('saga leases on %s', (backend: Backend) => {
  let dbs: Database[];
  let schema: string;
  let pglite: Database | undefined;

  beforeAll(async () => {
    if (backend === 'pglite') pglite = await createPgliteDatabase({});
  });
  afterAll(() => pglite?.close());

  beforeEach(async () => {
    schema = `t_orders_store_${randomBytes(4).toString('hex')}`;
    if (backend === 'pglite') {
      await pglite!.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
      dbs = [pglite!, pglite!];
    } else {
      const connect = () => openDatabase({ service: 'orders', databaseUrl: TEST_DATABASE_URL, schema });
      dbs = [await connect(), await connect()];
    }
    await migrate(dbs[0]!, await loadMigrations(MIGRATIONS));
  });

  afterEach(async () => {
    if (backend === 'pglite') await pglite!.query(`DROP SCHEMA ${schema} CASCADE; SET search_path TO public`);
    else {
      await Promise.all(dbs.map((db) => db.close()));
      await dropSchema(schema);
    }
  });

  async function newSaga(): Promise<string> {
    const id = randomUUID();
    await dbs[0]!.transaction(async (tx) => {
      await insertOrder(tx, {
        id,
        userId: 'ada',
        idempotencyKey: id,
        requestHash: 'h',
        priced: { lines: [{ productId: 'p', sku: 'SKU-1', name: 'n', quantity: 1n, unitPriceMinor: 100n }], currencyCode: 'EUR', totalMinor: 100n },
        shippingAddress: { recipient: 'Ada', lines: ['1 Road'], city: 'London', postalCode: 'N1', region: '', countryCode: 'GB' },
      });
      await insertSaga(tx, id, initialSaga());
    });
    return id;
  }

  it('lets exactly one of many concurrent claimers take a saga', async () => {
    const id = await newSaga();
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => claimSaga(dbs[i % 2]!, id, `owner-${i}`, 60_000)));
    expect(claims.filter((c) => c !== undefined)).toHaveLength(1);
    expect((await lockSaga(dbs[0]!, id))?.leaseOwner).toBe(claims.find((c) => c)!.leaseOwner);
  });

  it('lets another process take a saga only once its lease expired, and the old owner then cannot renew or write', async () => {
    const id = await newSaga();
    expect(await claimSaga(dbs[0]!, id, 'old', 300)).toBeDefined();
    expect(await claimSaga(dbs[1]!, id, 'new', 60_000)).toBeUndefined();
    expect(await renewLease(dbs[0]!, id, 'old', 300)).toBe(true);
    await sleep(400);
    expect(await claimSaga(dbs[1]!, id, 'new', 60_000)).toBeDefined();
    expect(await renewLease(dbs[0]!, id, 'old', 300)).toBe(false);
    expect(await dbs[0]!.transaction((tx) => startNext(tx, id, 'old'))).toEqual({ kind: 'lost' });
    expect(await dbs[0]!.transaction((tx) => recordOutcome(tx, id, 'old', 'RESERVE', { kind: 'done' }, { stepTimeoutMs: 30_000 }))).toEqual({ kind: 'lost' });
    const next = await dbs[1]!.transaction((tx) => startNext(tx, id, 'new'));
    expect(next).toMatchObject({ kind: 'step', step: 'RESERVE' });
  });

  it('lists due sagas nobody drives, honours a deferral and never lists a DONE one', async () => {
    const free = await newSaga();
    const held = await newSaga();
    const deferred = await newSaga();
    const done = await newSaga();
    await claimSaga(dbs[0]!, held, 'someone', 60_000);
    await claimSaga(dbs[0]!, deferred, 'someone', 60_000);
    await releaseLease(dbs[0]!, deferred, 'someone', 60_000);
    await dbs[0]!.transaction((tx) => saveSaga(tx, done, { ...initialSaga(), phase: 'DONE', outcome: 'FAILED' }));
    expect(await dueSagas(dbs[1]!, 10)).toEqual([free]);
  });

  it('never stores a payment token, and clears one the previous release stored at the next save', async () => {
    const id = await newSaga();
    const stored = async () => (await dbs[0]!.query<{ payment_token: string | null }>('SELECT payment_token FROM order_sagas WHERE order_id = $1', [id])).rows[0]!.payment_token;
    expect(await stored()).toBeNull();
    // The previous release wrote the token at PlaceOrder.
    await dbs[0]!.query("UPDATE order_sagas SET payment_token = 'tok_approve' WHERE order_id = $1", [id]);
    await claimSaga(dbs[0]!, id, 'me', 60_000);
    await dbs[0]!.transaction((tx) => startNext(tx, id, 'me'));
    expect(await stored()).toBeNull();
  });
});
