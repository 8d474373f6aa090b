import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { createPgliteDatabase, loadMigrations, migrate, openDatabase, type Database } from '@shop/kit';
import { backends, dropSchema, TEST_DATABASE_URL, type Backend } from '@shop/kit/testing';
import { chargeInput } from '../src/domain/requests';
import type { PaymentRecord } from '../src/domain/types';
import { charge } from '../src/operations/charge';
import type { PaymentsDeps, ProviderPort } from '../src/operations/deps';
import type { PaymentEvent } from '../src/operations/payment-events';
import { reconcile } from '../src/operations/reconcile';
import { ProviderError, type FoundCharge, type ProviderCharge } from '../src/provider/types';
import { newLease } from '../src/store/lease';
import { findById, insertPending, settle } from '../src/store/payment-repo';
import { insertRefund } from '../src/store/refund-repo';

const MIGRATIONS = path.join(__dirname, '..', 'migrations');

interface Store {
  db: Database;
  connectAgain?: () => Promise<Database>;
  dispose(): Promise<void>;
}

/** openStore gives each test a fresh, migrated schema (one PGlite for the suite; on PostgreSQL, a pool per test). */
async function openStore(backend: Backend, pglite: () => Promise<Database>): Promise<Store> {
  const schema = `t_payments_${randomBytes(4).toString('hex')}`;
  if (backend === 'pglite') {
    const db = await pglite();
    await db.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
    await migrate(db, await loadMigrations(MIGRATIONS));
    return { db, dispose: () => db.query(`DROP SCHEMA ${schema} CASCADE; SET search_path TO public`).then(() => undefined) };
  }
  const connect = () => openDatabase({ service: 'payments', databaseUrl: TEST_DATABASE_URL, schema });
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** FakeProvider is a scripted provider that counts what it was asked. */
interface FakeProvider extends ProviderPort {
  calls: { charge: number; findCharge: number; refund: number };
  /** charged is what the provider "did" per key; findCharge answers from it unless `found` overrides. */
  charged: Map<string, ProviderCharge>;
  found?: FoundCharge;
  failWith?: ProviderError;
  delayMs: number;
}

function fakeProvider(): FakeProvider {
  const fake: FakeProvider = {
    name: 'fake',
    calls: { charge: 0, findCharge: 0, refund: 0 },
    charged: new Map(),
    delayMs: 0,
    retryAfterMs: () => 0,
    async charge(req) {
      fake.calls.charge++;
      await sleep(fake.delayMs);
      if (fake.failWith) throw fake.failWith;
      const answer = fake.charged.get(req.idempotencyKey) ?? { status: 'captured', providerChargeId: `ch_${req.idempotencyKey}` };
      fake.charged.set(req.idempotencyKey, answer);
      return answer;
    },
    async findCharge(key) {
      fake.calls.findCharge++;
      if (fake.failWith) throw fake.failWith;
      return fake.found ?? fake.charged.get(key) ?? { status: 'not_found' };
    },
    async refund(req) {
      fake.calls.refund++;
      if (fake.failWith) throw fake.failWith;
      return { providerRefundId: `re_${req.idempotencyKey}` };
    },
  };
  return fake;
}

function newPayment(orderId: string, key = `order-${orderId}-charge`) {
  return { id: randomUUID(), idempotencyKey: key, requestHash: 'hash', orderId, userId: 'ada', currency: 'EUR', amount: 1000n, provider: 'fake' };
}

/** pendingLeftBehind stores a PENDING payment whose lease is already over, as a crash after the provider call leaves it. */
async function pendingLeftBehind(db: Database, orderId: string): Promise<PaymentRecord> {
  return (await insertPending(db, newPayment(orderId), newLease(0)))!;
}

describe.each(backends())('the payments ledger on %s', (backend: Backend) => {
  let store: Store;
  let provider: FakeProvider;
  let events: PaymentEvent[];
  let deps: PaymentsDeps;

  let shared: Promise<Database> | undefined;
  const pglite = () => (shared ??= createPgliteDatabase({}));
  afterAll(async () => {
    if (shared) await (await shared).close();
  });

  beforeEach(async () => {
    store = await openStore(backend, pglite);
    provider = fakeProvider();
    events = [];
    deps = { db: store.db, provider, events: async (_tx, list) => void events.push(...list), leaseMs: 5_000 };
  });
  afterEach(() => store.dispose());

  describe('invariants in the schema', () => {
    it('refuses a second live payment for an order under any key, but not after a decline or failure', async () => {
      const first = (await insertPending(store.db, newPayment('o-1', 'key-a'), newLease(1_000)))!;
      await expect(insertPending(store.db, newPayment('o-1', 'key-b'), newLease(1_000))).rejects.toMatchObject({ code: '23505' });
      await settle(store.db, first.id, { state: 'DECLINED', providerReference: '', failureReason: 'Your card was declined.' }, 'anyone');
      const second = (await insertPending(store.db, newPayment('o-1', 'key-b'), newLease(1_000)))!;
      await settle(store.db, second.id, { state: 'CAPTURED', providerReference: 'ch_b', failureReason: '' }, 'anyone');
      await expect(insertPending(store.db, newPayment('o-1', 'key-c'), newLease(1_000))).rejects.toMatchObject({ code: '23505' });
    });

    it('refuses a refunded amount above the amount or out of step with the state', async () => {
      const p = await pendingLeftBehind(store.db, 'o-2');
      await settle(store.db, p.id, { state: 'CAPTURED', providerReference: 'ch', failureReason: '' }, 'anyone');
      await expect(store.db.query(`UPDATE payments SET refunded_minor = 1001, state = 'REFUNDED' WHERE id = $1`, [p.id])).rejects.toMatchObject({ code: '23514' });
      await expect(store.db.query(`UPDATE payments SET refunded_minor = 10 WHERE id = $1`, [p.id])).rejects.toMatchObject({ code: '23514' });
    });
  });

  describe('leases', () => {
    it('records "nothing taken" only for the lease owner, and lets the provider\'s capture override a FAILED', async () => {
      const lease = newLease(5_000);
      const p = (await insertPending(store.db, newPayment('o-3'), lease))!;
      expect(await settle(store.db, p.id, { state: 'FAILED', providerReference: '', failureReason: 'x' }, 'not-the-owner')).toBeUndefined();
      expect((await settle(store.db, p.id, { state: 'FAILED', providerReference: '', failureReason: 'x' }, lease.owner))!.state).toBe('FAILED');
      const captured = await settle(store.db, p.id, { state: 'CAPTURED', providerReference: 'ch_late', failureReason: '' }, 'a-stalled-caller');
      expect(captured).toMatchObject({ state: 'CAPTURED', providerReference: 'ch_late' });
    });
  });

  describe('charge', () => {
    const request = (orderId: string) =>
      chargeInput({ idempotencyKey: `order-${orderId}-charge`, orderId, userId: 'ada', amount: { currencyCode: 'EUR', amountMinor: 1000n }, paymentToken: 'tok_approve' });

    it('asks the provider before charging a payment a crash left PENDING, and charges nothing when it was captured', async () => {
      const p = await pendingLeftBehind(store.db, 'o-4');
      provider.charged.set(p.idempotencyKey, { status: 'captured', providerChargeId: 'ch_before_crash' });
      const input = { ...request('o-4'), requestHash: 'hash' };
      const result = await charge(deps, input, Date.now() + 5_000);
      expect(result).toMatchObject({ id: p.id, state: 'CAPTURED', providerReference: 'ch_before_crash' });
      expect(provider.calls).toMatchObject({ findCharge: 1, charge: 0 });
      expect(events.map((e) => e.payload.$case)).toEqual(['paymentCaptured']);
    });

    it('charges with the same key when the provider has no charge under it', async () => {
      const p = await pendingLeftBehind(store.db, 'o-5');
      const result = await charge(deps, { ...request('o-5'), requestHash: 'hash' }, Date.now() + 5_000);
      expect(result).toMatchObject({ id: p.id, state: 'CAPTURED', providerReference: `ch_${p.idempotencyKey}` });
      expect(provider.calls).toMatchObject({ findCharge: 1, charge: 1 });
    });

    it('does not retry a failed key for an order that was paid under another key since', async () => {
      const failed = await pendingLeftBehind(store.db, 'o-7');
      await store.db.query(`UPDATE payments SET state = 'FAILED' WHERE id = $1`, [failed.id]);
      const paid = (await insertPending(store.db, newPayment('o-7', 'other-key'), newLease(0)))!;
      await settle(store.db, paid.id, { state: 'CAPTURED', providerReference: 'ch_other', failureReason: '' }, 'anyone');
      await expect(charge(deps, { ...request('o-7'), requestHash: 'hash' }, Date.now() + 5_000)).rejects.toMatchObject({
        reason: 'ALREADY_EXISTS',
        details: { resource: { type: 'payment', name: paid.id } },
      });
      expect(provider.calls.charge).toBe(0);
      expect((await findById(store.db, failed.id))!.state).toBe('FAILED');
    });

    it('keeps a payment PENDING when the lookup itself fails, even if the charge is certain not to have been sent', async () => {
      const p = await pendingLeftBehind(store.db, 'o-6');
      provider.failWith = new ProviderError('breaker_open', false, 'open');
      await expect(charge(deps, { ...request('o-6'), requestHash: 'hash' }, Date.now() + 5_000)).rejects.toMatchObject({ reason: 'PAYMENT_PROVIDER_UNAVAILABLE' });
      expect((await findById(store.db, p.id))!.state).toBe('PENDING');
      expect(provider.calls.charge).toBe(0);
    });
  });

  describe('reconcile', () => {
    it('settles what the provider knows, fails what it never received, and leaves what it is still working on', async () => {
      const captured = await pendingLeftBehind(store.db, 'o-10');
      const declined = await pendingLeftBehind(store.db, 'o-11');
      const unknown = await pendingLeftBehind(store.db, 'o-12');
      provider.charged.set(captured.idempotencyKey, { status: 'captured', providerChargeId: 'ch_10' });
      provider.charged.set(declined.idempotencyKey, { status: 'declined', providerChargeId: 'ch_11', declineCode: 'insufficient_funds' });

      expect(await reconcile(deps, { olderThanMs: 0, limit: 10 })).toEqual({ payments: 3, refunds: 0 });
      expect((await findById(store.db, captured.id))!).toMatchObject({ state: 'CAPTURED', providerReference: 'ch_10' });
      expect((await findById(store.db, declined.id))!).toMatchObject({ state: 'DECLINED', failureReason: 'Your card has insufficient funds.' });
      expect((await findById(store.db, unknown.id))!.state).toBe('FAILED');
      expect(events.map((e) => `${e.payload.$case} ${e.subject}`).sort()).toEqual([`paymentCaptured ${captured.id}`, `paymentDeclined ${declined.id}`].sort());
      expect(provider.calls.charge).toBe(0);
    });

    it('leaves a charge the provider is still processing PENDING with its lease released', async () => {
      const p = await pendingLeftBehind(store.db, 'o-13');
      provider.found = { status: 'pending' };
      expect(await reconcile(deps, { olderThanMs: 0, limit: 10 })).toEqual({ payments: 0, refunds: 0 });
      expect((await findById(store.db, p.id))!).toMatchObject({ state: 'PENDING', attemptUntil: null });
    });

    it('does not touch payments that are too young or whose lease is running', async () => {
      const young = (await insertPending(store.db, newPayment('o-14'), newLease(0)))!;
      const leased = (await insertPending(store.db, newPayment('o-15'), newLease(60_000)))!;
      expect(await reconcile(deps, { olderThanMs: 60_000, limit: 10 })).toEqual({ payments: 0, refunds: 0 });
      expect(await reconcile(deps, { olderThanMs: 0, limit: 10 })).toEqual({ payments: 1, refunds: 0 });
      expect((await findById(store.db, young.id))!.state).toBe('FAILED');
      expect((await findById(store.db, leased.id))!.state).toBe('PENDING');
      expect(provider.calls.findCharge).toBe(1);
    });

    it('stops at a provider failure and leaves everything PENDING for the next run', async () => {
      const a = await pendingLeftBehind(store.db, 'o-16');
      const b = await pendingLeftBehind(store.db, 'o-17');
      provider.failWith = new ProviderError('timeout', true, 'slow');
      expect(await reconcile(deps, { olderThanMs: 0, limit: 10 })).toEqual({ payments: 0, refunds: 0 });
      expect(provider.calls.findCharge).toBe(1);
      for (const p of [a, b]) expect((await findById(store.db, p.id))!).toMatchObject({ state: 'PENDING', attemptUntil: null });
    });

    it('sends a pending refund again with its own key and counts it once it succeeds', async () => {
      const p = await pendingLeftBehind(store.db, 'o-18');
      await settle(store.db, p.id, { state: 'CAPTURED', providerReference: 'ch_18', failureReason: '' }, 'anyone');
      await insertRefund(store.db, { id: randomUUID(), paymentId: p.id, idempotencyKey: 'refund-18', requestHash: 'h', amount: 400n, reason: 'cancelled' }, newLease(0));
      expect(await reconcile(deps, { olderThanMs: 0, limit: 10 })).toEqual({ payments: 0, refunds: 1 });
      const after = (await findById(store.db, p.id))!;
      expect(after).toMatchObject({ state: 'PARTIALLY_REFUNDED', refunded: 400n });
      expect(after.refunds.map((r) => [r.idempotencyKey, r.providerReference])).toEqual([['refund-18', 're_refund-18']]);
      expect(events.map((e) => e.payload.$case)).toEqual(['paymentRefunded']);
    });
  });

  // PGlite has one connection, so there is no second replica to race there:
  // the test exists only on PostgreSQL.
  const onPostgres = backend === 'postgres' ? it : () => undefined;
  onPostgres('charges once when two replicas race on the same key', async () => {
    const replica = { ...deps, db: await store.connectAgain!() };
    provider.delayMs = 100;
    const input = chargeInput({ idempotencyKey: 'race-key', orderId: 'o-race', userId: 'ada', amount: { currencyCode: 'EUR', amountMinor: 1000n }, paymentToken: 'tok_approve' });
    const results = await Promise.all([charge(deps, input, Date.now() + 5_000), charge(replica, input, Date.now() + 5_000), charge(deps, input, Date.now() + 5_000)]);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.every((r) => r.state === 'CAPTURED')).toBe(true);
    expect(provider.calls.charge).toBe(1);
  });
});
