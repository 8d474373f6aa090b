import { hashRequest } from './hash-request';
import { IdempotencyConflictError, runIdempotent, type IdempotencyCodec } from './idempotency';
import { migrate } from './migrate';
import { describeEachBackend, sleep, type TestStore } from './test-backends';
import type { Queryable } from './types';

describeEachBackend((backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await backend.open();
    await migrate(store.db, [{ version: 1, name: 'orders', sql: 'CREATE TABLE orders (id serial PRIMARY KEY, sku text NOT NULL)' }]);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  const placeOrder = (sku: string) =>
    jest.fn(async (tx: Queryable) => {
      const { rows } = await tx.query<{ id: number }>('INSERT INTO orders (sku) VALUES ($1) RETURNING id', [sku]);
      return { orderId: rows[0]!.id, sku };
    });
  const ordersWith = async (sku: string) => (await store.db.query('SELECT count(*) AS n FROM orders WHERE sku = $1', [sku])).rows[0];

  it('runs fn for a new key and returns its result', async () => {
    const fn = placeOrder('first');
    const outcome = await runIdempotent(store.db, { scope: 'orders.Place', key: 'k-first', requestHash: hashRequest({ sku: 'first' }) }, fn);
    expect(outcome).toEqual({ result: { orderId: expect.any(Number), sku: 'first' }, replayed: false });
    expect(fn).toHaveBeenCalledTimes(1);
    expect(await ordersWith('first')).toEqual({ n: '1' });
  });

  it('replays the stored result without running fn again', async () => {
    const request = { scope: 'orders.Place', key: 'k-replay', requestHash: hashRequest({ sku: 'replay' }) };
    const first = await runIdempotent(store.db, request, placeOrder('replay'));
    const again = placeOrder('replay');
    const second = await runIdempotent(store.db, request, again);
    expect(second).toEqual({ result: first.result, replayed: true });
    expect(again).not.toHaveBeenCalled();
    expect(await ordersWith('replay')).toEqual({ n: '1' });
  });

  it('throws IdempotencyConflictError when the key comes back with a different request', async () => {
    await runIdempotent(store.db, { scope: 'orders.Place', key: 'k-conflict', requestHash: hashRequest({ sku: 'one' }) }, placeOrder('one'));
    const other = placeOrder('two');
    const failure = runIdempotent(store.db, { scope: 'orders.Place', key: 'k-conflict', requestHash: hashRequest({ sku: 'two' }) }, other);
    await expect(failure).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(failure).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', scope: 'orders.Place', key: 'k-conflict' });
    expect(other).not.toHaveBeenCalled();
    expect(await ordersWith('two')).toEqual({ n: '0' });
  });

  it('keeps keys of different scopes apart', async () => {
    const hash = hashRequest({ sku: 'scoped' });
    await runIdempotent(store.db, { scope: 'orders.Place', key: 'k-shared', requestHash: hash }, placeOrder('scoped'));
    const outcome = await runIdempotent(store.db, { scope: 'orders.Cancel', key: 'k-shared', requestHash: hash }, placeOrder('scoped'));
    expect(outcome.replayed).toBe(false);
    expect(await ordersWith('scoped')).toEqual({ n: '2' });
  });

  it('leaves the key free for a retry when fn fails, and keeps none of its writes', async () => {
    const request = { scope: 'orders.Place', key: 'k-retry', requestHash: hashRequest({ sku: 'retry' }) };
    const failing = jest.fn(async (tx: Queryable) => {
      await tx.query('INSERT INTO orders (sku) VALUES ($1)', ['retry']);
      throw new Error('payment declined');
    });
    await expect(runIdempotent(store.db, request, failing)).rejects.toThrow('payment declined');
    expect(await ordersWith('retry')).toEqual({ n: '0' });
    const retried = await runIdempotent(store.db, request, placeOrder('retry'));
    expect(retried.replayed).toBe(false);
    expect(await ordersWith('retry')).toEqual({ n: '1' });
  });

  it('runs fn exactly once for ten concurrent calls with the same key', async () => {
    const request = { scope: 'orders.Place', key: 'k-race', requestHash: hashRequest({ sku: 'race' }) };
    const fn = jest.fn(async (tx: Queryable) => {
      const { rows } = await tx.query<{ id: number }>('INSERT INTO orders (sku) VALUES ($1) RETURNING id', ['race']);
      await sleep(50); // keep the claim uncommitted while the others arrive
      return { orderId: rows[0]!.id };
    });
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => runIdempotent(store.db, request, fn)));
    expect(fn).toHaveBeenCalledTimes(1);
    expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.result.orderId)).size).toBe(1);
    expect(await ordersWith('race')).toEqual({ n: '1' });
  });

  it('replays undefined and null results as they were returned', async () => {
    const hash = hashRequest({});
    await runIdempotent(store.db, { scope: 's', key: 'k-undefined', requestHash: hash }, async () => undefined);
    await runIdempotent(store.db, { scope: 's', key: 'k-null', requestHash: hash }, async () => null);
    expect(await runIdempotent(store.db, { scope: 's', key: 'k-undefined', requestHash: hash }, async () => 'ran')).toEqual({ result: undefined, replayed: true });
    expect(await runIdempotent(store.db, { scope: 's', key: 'k-null', requestHash: hash }, async () => 'ran')).toEqual({ result: null, replayed: true });
  });

  it('stores and replays through a codec for values JSON cannot carry', async () => {
    const codec: IdempotencyCodec<{ at: Date }> = {
      encode: (result) => ({ at: result.at.toISOString() }),
      decode: (stored) => ({ at: new Date((stored as { at: string }).at) }),
    };
    const request = { scope: 's', key: 'k-codec', requestHash: hashRequest({}) };
    const at = new Date('2031-03-04T05:06:07.000Z');
    await runIdempotent(store.db, request, async () => ({ at }), codec);
    const replay = await runIdempotent(store.db, request, async () => ({ at: new Date(0) }), codec);
    expect(replay).toEqual({ result: { at }, replayed: true });
    expect(replay.result.at).toBeInstanceOf(Date);
  });
});
