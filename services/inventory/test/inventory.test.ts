import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { credentials, status as Code } from '@grpc/grpc-js';
import { backends, createTestAuth, startTestService, type Backend, type TestAuth, type TestService } from '@shop/kit/testing';
import { ShopError } from '@shop/sdk/lib/errors';
import { createPromiseClient, type PromiseClient } from '@shop/sdk/lib/promise-client';
import { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { ReservationState } from '@shop/sdk/ts/shop/inventory/v1/stock';
import { inventoryService } from '../src/service';

type Inventory = PromiseClient<typeof InventoryServiceDefinition>;
type Metadata = { metadata: Record<string, string> };

const DEMO_DATA = path.join(__dirname, '..', '..', '..', 'demo', 'shop.json');

/** freshSku gives every test its own SKUs, so tests sharing one service never see each other's stock. */
function freshSku(prefix = 'T'): string {
  return `${prefix}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

function freshId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** failure awaits a call that must fail and returns its ShopError. */
async function failure(call: Promise<unknown>): Promise<ShopError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ShopError)) throw new Error(`expected the call to fail with a ShopError, got ${String(err)}`);
  return err;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe.each(backends())('the inventory service on %s', (backend: Backend) => {
  let auth: TestAuth;
  let svc: TestService;
  let inventory: Inventory;
  let admin: Metadata;
  let customer: Metadata;
  let orders: Metadata;
  let catalog: Metadata;

  beforeAll(async () => {
    auth = await createTestAuth();
    svc = await startTestService(inventoryService, { auth, backend, env: { RESERVATION_SWEEP_INTERVAL: '100ms' } });
    inventory = createPromiseClient(InventoryServiceDefinition, svc.address, credentials.createInsecure(), { defaultDeadlineMs: 5000 });
    admin = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'admin-1', roles: ['admin'] })}` } };
    customer = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'ada', roles: ['customer'] })}` } };
    orders = { metadata: { 'x-shop-service-token': await (await auth.identity('orders')).token('inventory') } };
    catalog = { metadata: { 'x-shop-service-token': await (await auth.identity('catalog')).token('inventory') } };
  });

  afterAll(async () => {
    await svc?.stop();
    auth?.cleanup();
  });

  /** stocked creates a SKU with onHand units and returns its name. */
  async function stocked(onHand: number, prefix = 'T'): Promise<string> {
    const sku = freshSku(prefix);
    await inventory.setStock({ sku, onHand: BigInt(onHand) }, admin);
    return sku;
  }

  async function level(sku: string) {
    const { stock } = await inventory.getStock({ sku });
    return { onHand: stock!.onHand, reserved: stock!.reserved, available: stock!.available, sold: stock!.sold };
  }

  function reserve(reservationId: string, items: Array<[string, number]>, extra: { ttlSeconds?: number; orderId?: string } = {}) {
    return inventory.reserveStock(
      {
        reservationId,
        orderId: extra.orderId ?? `order-of-${reservationId}`,
        items: items.map(([sku, quantity]) => ({ sku, quantity: BigInt(quantity) })),
        ttl: extra.ttlSeconds === undefined ? undefined : { seconds: BigInt(extra.ttlSeconds), nanos: 0 },
      },
      orders,
    );
  }

  describe('reading stock', () => {
    it('answers GetStock without a token and gives an unknown SKU zero levels instead of NOT_FOUND', async () => {
      const { stock } = await inventory.getStock({ sku: 'NEVER-COUNTED-1' });
      expect(stock).toMatchObject({ sku: 'NEVER-COUNTED-1', onHand: 0n, reserved: 0n, available: 0n, sold: 0n });
    });

    it('rejects a malformed SKU with INVALID_ARGUMENT naming the field', async () => {
      for (const sku of ['', 'AB', 'mug-001', 'MUG_001', 'X'.repeat(65)]) {
        const err = await failure(inventory.getStock({ sku }));
        expect(err.code).toBe(Code.INVALID_ARGUMENT);
        expect(err.errorDetails.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['sku']);
      }
    });

    it('answers BatchGetStock in the order asked, unknown SKUs with zeros', async () => {
      const known = await stocked(7);
      const { stocks } = await inventory.batchGetStock({ skus: ['UNKNOWN-9', known] });
      expect(stocks.map((s) => [s.sku, s.onHand, s.available])).toEqual([
        ['UNKNOWN-9', 0n, 0n],
        [known, 7n, 7n],
      ]);
    });

    it('rejects an empty BatchGetStock, more than 100 SKUs and a malformed one by index', async () => {
      expect((await failure(inventory.batchGetStock({ skus: [] }))).code).toBe(Code.INVALID_ARGUMENT);
      const many = Array.from({ length: 101 }, (_, i) => `SKU-${i}`);
      expect((await failure(inventory.batchGetStock({ skus: many }))).code).toBe(Code.INVALID_ARGUMENT);
      const err = await failure(inventory.batchGetStock({ skus: ['GOOD-1', 'bad'] }));
      expect(err.errorDetails.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['skus[1]']);
    });
  });

  describe('admin changes', () => {
    it('lets an admin set on_hand and refuses a customer with PERMISSION_DENIED and no token with UNAUTHENTICATED', async () => {
      const sku = freshSku();
      const { stock } = await inventory.setStock({ sku, onHand: 12n }, admin);
      expect(stock).toMatchObject({ sku, onHand: 12n, available: 12n, reserved: 0n });
      expect((await failure(inventory.setStock({ sku, onHand: 1n }, customer))).code).toBe(Code.PERMISSION_DENIED);
      expect((await failure(inventory.adjustStock({ sku, delta: 1n }, customer))).code).toBe(Code.PERMISSION_DENIED);
      expect((await failure(inventory.setStock({ sku, onHand: 1n }))).code).toBe(Code.UNAUTHENTICATED);
      expect(await level(sku)).toMatchObject({ onHand: 12n });
    });

    it('rejects a negative on_hand with INVALID_ARGUMENT', async () => {
      const err = await failure(inventory.setStock({ sku: freshSku(), onHand: -1n }, admin));
      expect(err.code).toBe(Code.INVALID_ARGUMENT);
      expect(err.errorDetails.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['on_hand']);
    });

    it('refuses SetStock below the units reserved with FAILED_PRECONDITION and changes nothing', async () => {
      const sku = await stocked(10);
      await reserve(freshId('res'), [[sku, 6]]);
      const err = await failure(inventory.setStock({ sku, onHand: 5n }, admin));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('INSUFFICIENT_STOCK');
      expect(await level(sku)).toEqual({ onHand: 10n, reserved: 6n, available: 4n, sold: 0n });
      // Exactly the reserved units is allowed: nothing left to sell, nothing promised lost.
      await inventory.setStock({ sku, onHand: 6n }, admin);
      expect(await level(sku)).toEqual({ onHand: 6n, reserved: 6n, available: 0n, sold: 0n });
    });

    it('adds and removes units with AdjustStock, refusing 0 and anything that would dip below reserved', async () => {
      const sku = await stocked(10);
      await reserve(freshId('res'), [[sku, 4]]);
      expect((await inventory.adjustStock({ sku, delta: 5n, reason: 'delivery 42' }, admin)).stock).toMatchObject({ onHand: 15n, available: 11n });
      expect((await inventory.adjustStock({ sku, delta: -3n, reason: 'broken' }, admin)).stock).toMatchObject({ onHand: 12n, available: 8n });
      expect((await failure(inventory.adjustStock({ sku, delta: 0n }, admin))).code).toBe(Code.INVALID_ARGUMENT);
      const err = await failure(inventory.adjustStock({ sku, delta: -9n }, admin));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('INSUFFICIENT_STOCK');
      expect(await level(sku)).toEqual({ onHand: 12n, reserved: 4n, available: 8n, sold: 0n });
    });

    it('refuses to take an unknown SKU below zero', async () => {
      const sku = freshSku();
      const err = await failure(inventory.adjustStock({ sku, delta: -1n }, admin));
      expect(err.reason).toBe('INSUFFICIENT_STOCK');
      expect(await level(sku)).toMatchObject({ onHand: 0n });
    });

    it('applies an AdjustStock with a request_id once however often it is retried, and refuses the id for another request', async () => {
      const sku = await stocked(10);
      const requestId = freshId('adj');
      const first = await inventory.adjustStock({ sku, delta: 5n, reason: 'delivery', requestId }, admin);
      const retries = await Promise.all([1, 2, 3].map(() => inventory.adjustStock({ sku, delta: 5n, reason: 'delivery', requestId }, admin)));
      expect(first.stock?.onHand).toBe(15n);
      for (const retry of retries) expect(retry.stock?.onHand).toBe(15n);
      expect(await level(sku)).toMatchObject({ onHand: 15n });

      const err = await failure(inventory.adjustStock({ sku, delta: 6n, reason: 'delivery', requestId }, admin));
      expect(err.code).toBe(Code.ALREADY_EXISTS);
      expect(err.reason).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await level(sku)).toMatchObject({ onHand: 15n });
    });
  });

  describe('who may reserve', () => {
    it('refuses ReserveStock to a user token, even an admin one, to another service and to an anonymous call', async () => {
      const sku = await stocked(5);
      const request = { reservationId: freshId('res'), orderId: 'o-1', items: [{ sku, quantity: 1n }] };
      for (const options of [admin, customer, catalog, {}]) {
        const err = await failure(inventory.reserveStock(request, options));
        expect(err.code).toBe(Code.PERMISSION_DENIED);
      }
      expect((await failure(inventory.commitReservation({ reservationId: request.reservationId }, catalog))).code).toBe(Code.PERMISSION_DENIED);
      expect((await failure(inventory.releaseReservation({ reservationId: request.reservationId }, admin))).code).toBe(Code.PERMISSION_DENIED);
      expect((await failure(inventory.getReservation({ reservationId: request.reservationId }, catalog))).code).toBe(Code.PERMISSION_DENIED);
      expect((await failure(inventory.returnReservation({ reservationId: request.reservationId }, admin))).code).toBe(Code.PERMISSION_DENIED);
      expect((await failure(inventory.returnReservation({ reservationId: request.reservationId }, catalog))).code).toBe(Code.PERMISSION_DENIED);
      expect(await level(sku)).toMatchObject({ reserved: 0n });
    });
  });

  describe('reserving', () => {
    it('grants exactly 50 of 200 concurrent one-unit reservations against 50 units, and the counts add up after commits and releases', async () => {
      const sku = await stocked(50, 'HOT');
      const ids = Array.from({ length: 200 }, (_, i) => `hot-${sku}-${i}`);
      const results = await Promise.allSettled(
        ids.map((id) => inventory.reserveStock({ reservationId: id, orderId: id, items: [{ sku, quantity: 1n }] }, { ...orders, deadline: 30_000 })),
      );
      const granted = ids.filter((_, i) => results[i]!.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as ShopError);
      expect(granted).toHaveLength(50);
      expect(refused).toHaveLength(150);
      for (const err of refused) {
        expect(err).toBeInstanceOf(ShopError);
        expect(err.code).toBe(Code.FAILED_PRECONDITION);
        expect(err.reason).toBe('INSUFFICIENT_STOCK');
      }
      expect(await level(sku)).toEqual({ onHand: 50n, reserved: 50n, available: 0n, sold: 0n });

      await Promise.all(granted.slice(0, 20).map((reservationId) => inventory.commitReservation({ reservationId }, orders)));
      await Promise.all(granted.slice(20).map((reservationId) => inventory.releaseReservation({ reservationId, reason: 'payment declined' }, orders)));
      expect(await level(sku)).toEqual({ onHand: 30n, reserved: 0n, available: 30n, sold: 20n });
    });

    it('holds nothing on any SKU when one of them is short, and names every short SKU', async () => {
      const plenty = await stocked(10, 'A');
      const scarce = await stocked(1, 'B');
      const missing = freshSku('C');
      const reservationId = freshId('res');
      const err = await failure(reserve(reservationId, [[plenty, 5], [scarce, 2], [missing, 1]]));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('INSUFFICIENT_STOCK');
      const violations = err.errorDetails.preconditionFailure?.violations ?? [];
      expect(violations.map((v) => [v.type, v.subject]).sort()).toEqual(
        [
          ['STOCK', scarce],
          ['STOCK', missing],
        ].sort(),
      );
      expect(violations.find((v) => v.subject === scarce)?.description).toBe('requested 2, available 1');
      expect(await level(plenty)).toMatchObject({ reserved: 0n, available: 10n });
      expect(await level(scarce)).toMatchObject({ reserved: 0n, available: 1n });
      // The failed id holds nothing, so it is free for a later attempt.
      expect((await failure(inventory.getReservation({ reservationId }, orders))).code).toBe(Code.NOT_FOUND);
    });

    it('answers a repeated ReserveStock with the same reservation and holds nothing more', async () => {
      const sku = await stocked(10);
      const other = await stocked(10);
      const reservationId = freshId('res');
      const first = await reserve(reservationId, [[sku, 3], [other, 1]]);
      const again = await reserve(reservationId, [[other, 1], [sku, 3]]);
      expect(again.reservation).toEqual(first.reservation);
      expect(first.reservation).toMatchObject({ reservationId, state: ReservationState.RESERVATION_STATE_ACTIVE });
      expect(await level(sku)).toMatchObject({ reserved: 3n, available: 7n });

      const err = await failure(reserve(reservationId, [[sku, 4], [other, 1]]));
      expect(err.code).toBe(Code.ALREADY_EXISTS);
      expect(err.reason).toBe('IDEMPOTENCY_KEY_REUSED');
      const otherOrder = await failure(reserve(reservationId, [[sku, 3], [other, 1]], { orderId: 'another-order' }));
      expect(otherOrder.reason).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await level(sku)).toMatchObject({ reserved: 3n });

      await inventory.commitReservation({ reservationId }, orders);
      const afterCommit = await reserve(reservationId, [[sku, 3], [other, 1]]);
      expect(afterCommit.reservation?.state).toBe(ReservationState.RESERVATION_STATE_COMMITTED);
      expect(await level(sku)).toEqual({ onHand: 7n, reserved: 0n, available: 7n, sold: 3n });
    });

    it('holds the units once when the same reservation is sent many times at once', async () => {
      const sku = await stocked(10);
      const reservationId = freshId('res');
      const results = await Promise.all(Array.from({ length: 10 }, () => reserve(reservationId, [[sku, 2]])));
      for (const r of results) expect(r.reservation?.reservationId).toBe(reservationId);
      expect(await level(sku)).toMatchObject({ reserved: 2n, available: 8n });
    });

    it('rejects invalid reservations with one field violation per problem', async () => {
      const err = await failure(
        inventory.reserveStock(
          {
            reservationId: '',
            orderId: 'o-1',
            items: [
              { sku: 'DUP-1', quantity: 1n },
              { sku: 'DUP-1', quantity: 1n },
              { sku: 'ZERO-1', quantity: 0n },
              { sku: 'MANY-1', quantity: 1001n },
            ],
            ttl: { seconds: BigInt(24 * 3600 + 1), nanos: 0 },
          },
          orders,
        ),
      );
      expect(err.code).toBe(Code.INVALID_ARGUMENT);
      expect(err.errorDetails.badRequest?.fieldViolations.map((v) => v.field).sort()).toEqual(
        // a SKU named twice: the rule spans the items, so it names the list
        ['items', 'items[2].quantity', 'items[3].quantity', 'reservation_id', 'ttl'].sort(),
      );
      expect((await failure(reserve(freshId('res'), []))).code).toBe(Code.INVALID_ARGUMENT);
    });

    it('sets expire_time to the default ttl of 15 minutes and honours a ttl sent by the caller', async () => {
      const sku = await stocked(5);
      const byDefault = (await reserve(freshId('res'), [[sku, 1]])).reservation!;
      const heldFor = byDefault.expireTime!.getTime() - byDefault.createTime!.getTime();
      expect(heldFor).toBe(15 * 60 * 1000);
      const short = (await reserve(freshId('res'), [[sku, 1]], { ttlSeconds: 90 })).reservation!;
      expect(short.expireTime!.getTime() - short.createTime!.getTime()).toBe(90 * 1000);
    });
  });

  describe('commit and release', () => {
    it('commits once in effect however often CommitReservation is repeated', async () => {
      const sku = await stocked(10);
      const reservationId = freshId('res');
      await reserve(reservationId, [[sku, 4]]);
      const first = await inventory.commitReservation({ reservationId }, orders);
      const second = await inventory.commitReservation({ reservationId }, orders);
      expect(first.reservation?.state).toBe(ReservationState.RESERVATION_STATE_COMMITTED);
      expect(second.reservation).toEqual(first.reservation);
      expect(await level(sku)).toEqual({ onHand: 6n, reserved: 0n, available: 6n, sold: 4n });
    });

    it('answers CommitReservation and GetReservation of an unknown id with NOT_FOUND', async () => {
      expect((await failure(inventory.commitReservation({ reservationId: 'no-such-id' }, orders))).code).toBe(Code.NOT_FOUND);
      expect((await failure(inventory.getReservation({ reservationId: 'no-such-id' }, orders))).code).toBe(Code.NOT_FOUND);
    });

    it('releases once, succeeds again on a repeat and on an unknown id, and refuses to commit a released reservation', async () => {
      const sku = await stocked(10);
      const reservationId = freshId('res');
      await reserve(reservationId, [[sku, 4]]);
      const first = await inventory.releaseReservation({ reservationId, reason: 'payment declined' }, orders);
      const again = await inventory.releaseReservation({ reservationId }, orders);
      expect(first.reservation?.state).toBe(ReservationState.RESERVATION_STATE_RELEASED);
      expect(again.reservation?.state).toBe(ReservationState.RESERVATION_STATE_RELEASED);
      expect(await level(sku)).toEqual({ onHand: 10n, reserved: 0n, available: 10n, sold: 0n });

      const unknown = await inventory.releaseReservation({ reservationId: 'never-reserved' }, orders);
      expect(unknown.reservation).toBeUndefined();

      const err = await failure(inventory.commitReservation({ reservationId }, orders));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('INVALID_STATE');
    });

    it('refuses to release a committed reservation', async () => {
      const sku = await stocked(3);
      const reservationId = freshId('res');
      await reserve(reservationId, [[sku, 3]]);
      await inventory.commitReservation({ reservationId }, orders);
      const err = await failure(inventory.releaseReservation({ reservationId }, orders));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('INVALID_STATE');
      expect(await level(sku)).toEqual({ onHand: 0n, reserved: 0n, available: 0n, sold: 3n });
    });

    it('refuses to release a returned reservation', async () => {
      const sku = await stocked(3);
      const reservationId = freshId('res');
      await reserve(reservationId, [[sku, 2]]);
      await inventory.commitReservation({ reservationId }, orders);
      await inventory.returnReservation({ reservationId }, orders);
      const err = await failure(inventory.releaseReservation({ reservationId }, orders));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('INVALID_STATE');
      expect(await level(sku)).toEqual({ onHand: 3n, reserved: 0n, available: 3n, sold: 0n });
    });

    it('returns an expired reservation\'s units through the sweeper and refuses to commit it afterwards', async () => {
      const sku = await stocked(10);
      const reservationId = freshId('res');
      await reserve(reservationId, [[sku, 7]], { ttlSeconds: 1 });
      expect(await level(sku)).toMatchObject({ reserved: 7n, available: 3n });

      let state: ReservationState = ReservationState.RESERVATION_STATE_ACTIVE;
      for (let waited = 0; waited < 10_000 && state === ReservationState.RESERVATION_STATE_ACTIVE; waited += 100) {
        await sleep(100);
        state = (await inventory.getReservation({ reservationId }, orders)).reservation!.state;
      }
      expect(state).toBe(ReservationState.RESERVATION_STATE_EXPIRED);
      expect(await level(sku)).toEqual({ onHand: 10n, reserved: 0n, available: 10n, sold: 0n });

      const err = await failure(inventory.commitReservation({ reservationId }, orders));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('RESERVATION_EXPIRED');
      // Releasing an expired reservation is a successful no-op.
      expect((await inventory.releaseReservation({ reservationId }, orders)).reservation?.state).toBe(ReservationState.RESERVATION_STATE_EXPIRED);
      expect(await level(sku)).toMatchObject({ reserved: 0n, sold: 0n });
    });
  });

  describe('returning a committed reservation', () => {
    it('puts sold units back on hand once however often ReturnReservation is repeated', async () => {
      const sku = await stocked(10);
      const other = await stocked(5);
      const reservationId = freshId('res');
      await reserve(reservationId, [[sku, 4], [other, 2]]);
      await inventory.commitReservation({ reservationId }, orders);
      expect(await level(sku)).toEqual({ onHand: 6n, reserved: 0n, available: 6n, sold: 4n });

      const first = await inventory.returnReservation({ reservationId, reason: 'order cancelled' }, orders);
      const again = await inventory.returnReservation({ reservationId }, orders);
      const concurrent = await Promise.all([1, 2, 3].map(() => inventory.returnReservation({ reservationId }, orders)));
      expect(first.reservation).toMatchObject({ reservationId, state: ReservationState.RESERVATION_STATE_RETURNED });
      expect(first.reservation?.items.map((i) => [i.sku, i.quantity]).sort()).toEqual([[sku, 4n], [other, 2n]].sort());
      expect(again.reservation).toEqual(first.reservation);
      for (const r of concurrent) expect(r.reservation).toEqual(first.reservation);
      expect(await level(sku)).toEqual({ onHand: 10n, reserved: 0n, available: 10n, sold: 0n });
      expect(await level(other)).toEqual({ onHand: 5n, reserved: 0n, available: 5n, sold: 0n });
      expect((await inventory.getReservation({ reservationId }, orders)).reservation?.state).toBe(ReservationState.RESERVATION_STATE_RETURNED);
    });

    it('refuses to commit a returned reservation again, so its units are not sold twice', async () => {
      const sku = await stocked(4);
      const reservationId = freshId('res');
      await reserve(reservationId, [[sku, 4]]);
      await inventory.commitReservation({ reservationId }, orders);
      await inventory.returnReservation({ reservationId }, orders);
      const err = await failure(inventory.commitReservation({ reservationId }, orders));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('INVALID_STATE');
      expect(await level(sku)).toEqual({ onHand: 4n, reserved: 0n, available: 4n, sold: 0n });
    });

    it('refuses ACTIVE and RELEASED reservations with FAILED_PRECONDITION INVALID_STATE and changes nothing', async () => {
      const sku = await stocked(10);
      const active = freshId('res');
      const released = freshId('res');
      await reserve(active, [[sku, 3]]);
      await reserve(released, [[sku, 2]]);
      await inventory.releaseReservation({ reservationId: released }, orders);
      for (const reservationId of [active, released]) {
        const err = await failure(inventory.returnReservation({ reservationId }, orders));
        expect(err.code).toBe(Code.FAILED_PRECONDITION);
        expect(err.reason).toBe('INVALID_STATE');
        expect(err.errorDetails.preconditionFailure?.violations[0]).toMatchObject({ type: 'RESERVATION', subject: reservationId });
      }
      expect(await level(sku)).toEqual({ onHand: 10n, reserved: 3n, available: 7n, sold: 0n });
      expect((await inventory.getReservation({ reservationId: active }, orders)).reservation?.state).toBe(ReservationState.RESERVATION_STATE_ACTIVE);
    });

    it('refuses an EXPIRED reservation with INVALID_STATE', async () => {
      const sku = await stocked(10);
      const reservationId = freshId('res');
      await reserve(reservationId, [[sku, 3]], { ttlSeconds: 1 });
      let state: ReservationState = ReservationState.RESERVATION_STATE_ACTIVE;
      for (let waited = 0; waited < 10_000 && state === ReservationState.RESERVATION_STATE_ACTIVE; waited += 100) {
        await sleep(100);
        state = (await inventory.getReservation({ reservationId }, orders)).reservation!.state;
      }
      expect(state).toBe(ReservationState.RESERVATION_STATE_EXPIRED);
      const err = await failure(inventory.returnReservation({ reservationId }, orders));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('INVALID_STATE');
      expect(await level(sku)).toEqual({ onHand: 10n, reserved: 0n, available: 10n, sold: 0n });
    });

    it('answers an unknown id with NOT_FOUND and a malformed one with INVALID_ARGUMENT', async () => {
      expect((await failure(inventory.returnReservation({ reservationId: 'never-reserved' }, orders))).code).toBe(Code.NOT_FOUND);
      const err = await failure(inventory.returnReservation({ reservationId: '' }, orders));
      expect(err.code).toBe(Code.INVALID_ARGUMENT);
      expect(err.errorDetails.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['reservation_id']);
    });
  });

  describe('with the sweeper far away and demo data', () => {
    let slow: TestService;
    let client: Inventory;

    beforeAll(async () => {
      slow = await startTestService(inventoryService, { auth, backend, env: { RESERVATION_SWEEP_INTERVAL: '1h', DEMO_DATA } });
      client = createPromiseClient(InventoryServiceDefinition, slow.address, credentials.createInsecure(), { defaultDeadlineMs: 5000 });
    });
    afterAll(() => slow?.stop());

    it('seeds on_hand from the demo products into an empty stock table', async () => {
      const { stocks } = await client.batchGetStock({ skus: ['MUG-001', 'KETTLE-002'] });
      expect(stocks.map((s) => [s.sku, s.onHand, s.available])).toEqual([
        ['MUG-001', 120n, 120n],
        ['KETTLE-002', 35n, 35n],
      ]);
    });

    it('expires an ACTIVE reservation past its expire_time at commit instead of committing it', async () => {
      const sku = freshSku();
      await client.setStock({ sku, onHand: 5n }, admin);
      const reservationId = freshId('res');
      await client.reserveStock({ reservationId, orderId: 'o-late', items: [{ sku, quantity: 2n }], ttl: { seconds: 1n, nanos: 0 } }, orders);
      await sleep(1_300);
      // No sweeper has run: the reservation is still ACTIVE in storage.
      expect((await client.getReservation({ reservationId }, orders)).reservation?.state).toBe(ReservationState.RESERVATION_STATE_ACTIVE);

      const err = await failure(client.commitReservation({ reservationId }, orders));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('RESERVATION_EXPIRED');
      expect((await client.getReservation({ reservationId }, orders)).reservation?.state).toBe(ReservationState.RESERVATION_STATE_EXPIRED);
      const { stock } = await client.getStock({ sku });
      expect(stock).toMatchObject({ onHand: 5n, reserved: 0n, sold: 0n });
    });
  });
});
