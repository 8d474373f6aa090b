import { randomBytes } from 'node:crypto';
import { status as Code } from '@grpc/grpc-js';
import { backends, type Backend } from '@shop/kit/testing';
import type { Database } from '@shop/kit';
import { ShopError } from '@shop/sdk/lib/errors';
import { ErrorReason } from '@shop/sdk/ts/shop/common/v1/errors';
import { OrderState, type Order } from '@shop/sdk/ts/shop/orders/v1/order';
import { ReservationState } from '@shop/sdk/ts/shop/inventory/v1/stock';
import type { PlaceOrderRequest } from '@shop/sdk/ts/shop/orders/v1/order_service';
import { PaymentState } from '@shop/sdk/ts/shop/payments/v1/payment';
import type { SagaCheckpoint } from '../src/saga/saga-runner';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import { connect, deadPort, startMesh, startOrders, type Mesh, type Metadata, type OrdersInstance } from './harness';

const ADDRESS = { recipient: 'Ada Lovelace', lines: ['12 St James Square'], city: 'London', postalCode: 'SW1Y 4JH', countryCode: 'GB' };

type Request = Pick<PlaceOrderRequest, 'items'> & Partial<Omit<PlaceOrderRequest, 'items'>>;

function freshKey(): string {
  return `key-${randomBytes(6).toString('hex')}`;
}

function freshUser(prefix = 'user'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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

/**
 * Gate holds the next saga that reaches RESERVE until it is opened, so a
 * test can see (and act on) an order while it is PENDING.
 */
function createGate() {
  let armed = false;
  let open: (() => void) | undefined;
  return {
    arm() {
      armed = true;
    },
    open() {
      open?.();
      open = undefined;
    },
    checkpoint(point: SagaCheckpoint): Promise<void> | void {
      if (!armed || point.step !== 'RESERVE' || point.at !== 'started') return;
      armed = false;
      return new Promise<void>((resolve) => (open = resolve));
    },
  };
}

describe.each(backends())('the orders service on %s', (backend: Backend) => {
  let mesh: Mesh;
  let orders: OrdersInstance;
  let ordersDb: Database;
  const gate = createGate();

  beforeAll(async () => {
    mesh = await startMesh(backend);
    orders = await startOrders(mesh, {
      // Ambiguous charges (tok_slow) are retried within SAGA_STEP_TIMEOUT, far longer than the simulator's 1.5 s slow answer.
      env: { SAGA_RETRY_BACKOFF: '100ms', SAGA_RETRY_MAX_BACKOFF: '1s' },
      options: { hooks: { checkpoint: (p) => gate.checkpoint(p) }, database: (db) => (ordersDb = db) },
    });
  });

  afterAll(async () => {
    gate.open();
    await orders?.stop();
    await mesh?.stop();
  });

  function place(user: Metadata, request: Request, client = orders.client, options: { deadline?: number } = {}) {
    return client.placeOrder({ idempotencyKey: freshKey(), shippingAddress: ADDRESS, paymentToken: 'tok_approve', ...request }, { ...user, ...options });
  }

  /** until polls GetOrder until the order satisfies done (the saga runs in the background). */
  async function until(user: Metadata, orderId: string, done: (o: Order) => boolean, client = orders.client): Promise<Order> {
    for (let waited = 0; ; waited += 50) {
      const { order } = await client.getOrder({ orderId }, user);
      if (done(order!) || waited > 15_000) return order!;
      await sleep(50);
    }
  }

  /** chargesOf lists the provider's charges for an order: what really happened to the customer's money. */
  function chargesOf(orderId: string) {
    return mesh.simulator.charges().filter((c) => c.metadata.order_id === orderId);
  }

  describe('placing an order', () => {
    it('confirms an order priced from the catalog, commits its stock and captures one payment', async () => {
      const mug = await mesh.product({ stock: 10, priceMinor: 1299, name: 'Stoneware Mug' });
      const kettle = await mesh.product({ stock: 5, priceMinor: 4990, name: 'Gooseneck Kettle' });
      const ada = await mesh.as(freshUser('ada'));
      const { order } = await place(ada, {
        items: [
          { productId: mug.id, quantity: 2n },
          { productId: kettle.id.toUpperCase(), quantity: 1n },
        ],
      });
      expect(order).toMatchObject({
        state: OrderState.ORDER_STATE_CONFIRMED,
        total: { currencyCode: 'EUR', amountMinor: BigInt(2 * 1299 + 4990) },
        shippingAddress: { ...ADDRESS, region: '' },
        failureReason: '',
      });
      expect(order!.items.map((i) => [i.productId, i.sku, i.name, i.quantity, i.unitPrice?.amountMinor, i.lineTotal?.amountMinor])).toEqual([
        [mug.id, mug.sku, 'Stoneware Mug', 2n, 1299n, 2598n],
        [kettle.id, kettle.sku, 'Gooseneck Kettle', 1n, 4990n, 4990n],
      ]);
      expect(order!.paymentId).not.toBe('');
      expect(await mesh.level(mug.sku)).toEqual({ onHand: 8n, reserved: 0n, available: 8n, sold: 2n });
      expect(await mesh.level(kettle.sku)).toEqual({ onHand: 4n, reserved: 0n, available: 4n, sold: 1n });
      const { payment } = await mesh.payments.getPayment({ paymentId: order!.paymentId }, ada);
      expect(payment).toMatchObject({ orderId: order!.id, state: PaymentState.PAYMENT_STATE_CAPTURED, amount: { amountMinor: 7588n } });
      expect(chargesOf(order!.id).map((c) => [c.status, c.amount])).toEqual([['succeeded', 7588]]);
      expect((await orders.client.getOrder({ orderId: order!.id }, ada)).order).toEqual(order);
    });

    it('publishes OrderPlaced and OrderConfirmed with the items, the address and the user', async () => {
      const p = await mesh.product();
      const userId = freshUser();
      const { order } = await place(await mesh.as(userId), { items: [{ productId: p.id, quantity: 3n }] });
      await mesh.eventOf(orders.address, order!.id, 'shop.events.v1.OrderConfirmed');
      const events = await mesh.orderEvents(orders.address, order!.id);
      expect(events.map((e) => [e.type, e.source, e.subject])).toEqual([
        ['shop.events.v1.OrderPlaced', 'orders', order!.id],
        ['shop.events.v1.OrderConfirmed', 'orders', order!.id],
      ]);
      const confirmed = events[1]!.payload;
      expect(confirmed?.$case).toBe('orderConfirmed');
      if (confirmed?.$case !== 'orderConfirmed') return;
      expect(confirmed.value).toMatchObject({
        orderId: order!.id,
        userId,
        paymentId: order!.paymentId,
        total: { currencyCode: 'EUR', amountMinor: 3750n },
        shippingAddress: { ...ADDRESS, region: '' },
      });
      expect(confirmed.value.items.map((i) => [i.sku, i.quantity])).toEqual([[p.sku, 3n]]);
    });

    it('rejects an invalid request with one violation per field and creates nothing', async () => {
      const p = await mesh.product();
      const ada = await mesh.as(freshUser());
      const err = await failure(
        orders.client.placeOrder(
          {
            idempotencyKey: 'x'.repeat(65),
            items: [
              { productId: p.id, quantity: 0n },
              { productId: p.id, quantity: 1n },
              { productId: 'not-a-uuid', quantity: 1001n },
            ],
            shippingAddress: { ...ADDRESS, recipient: '', countryCode: 'gb' },
            paymentToken: '',
          },
          ada,
        ),
      );
      expect(err.code).toBe(Code.INVALID_ARGUMENT);
      expect(err.reason).toBe('VALIDATION_FAILED');
      expect(err.errorDetails.badRequest?.fieldViolations.map((v) => v.field).sort()).toEqual(
        [
          'idempotency_key',
          // a product named twice: the rule spans the items, so it names the list
          'items',
          'items[0].quantity',
          'items[2].product_id',
          'items[2].quantity',
          'shipping_address.recipient',
          'shipping_address.country_code',
          'payment_token',
        ].sort(),
      );
      const empty = await failure(orders.client.placeOrder({ idempotencyKey: freshKey(), items: [], paymentToken: 'tok_approve' }, ada));
      expect(empty.errorDetails.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['items', 'shipping_address']);
      expect((await orders.client.listOrders({}, ada)).orders).toEqual([]);
    });

    it('names every unknown product by its item and refuses mixed currencies, creating no order', async () => {
      const known = await mesh.product();
      const dollars = await mesh.product({ currency: 'USD' });
      const ada = await mesh.as(freshUser());
      const unknown = await failure(
        place(ada, {
          items: [
            { productId: '00000000-0000-4000-8000-000000000001', quantity: 1n },
            { productId: known.id, quantity: 1n },
            { productId: '00000000-0000-4000-8000-000000000002', quantity: 1n },
          ],
        }),
      );
      expect(unknown.code).toBe(Code.INVALID_ARGUMENT);
      expect(unknown.errorDetails.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['items[0].product_id', 'items[2].product_id']);
      const mixed = await failure(
        place(ada, {
          items: [
            { productId: known.id, quantity: 1n },
            { productId: dollars.id, quantity: 1n },
          ],
        }),
      );
      expect(mixed.errorDetails.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['items[1].product_id']);
      expect((await orders.client.listOrders({}, ada)).orders).toEqual([]);
      expect(await mesh.level(known.sku)).toMatchObject({ reserved: 0n, sold: 0n });
    });

    it('fails an order with an out-of-stock item, naming it, holds no stock and charges nothing', async () => {
      const plenty = await mesh.product({ stock: 10 });
      const scarce = await mesh.product({ stock: 1, name: 'Last Teapot' });
      const ada = await mesh.as(freshUser());
      const { order } = await place(ada, {
        items: [
          { productId: plenty.id, quantity: 2n },
          { productId: scarce.id, quantity: 2n },
        ],
      });
      expect(order).toMatchObject({ state: OrderState.ORDER_STATE_FAILED, failureReason: 'Some items are out of stock: Last Teapot.', paymentId: '' });
      expect(await mesh.level(plenty.sku)).toEqual({ onHand: 10n, reserved: 0n, available: 10n, sold: 0n });
      expect(await mesh.level(scarce.sku)).toEqual({ onHand: 1n, reserved: 0n, available: 1n, sold: 0n });
      expect(chargesOf(order!.id)).toEqual([]);
      const failed = (await mesh.eventOf(orders.address, order!.id, 'shop.events.v1.OrderFailed'))?.payload;
      expect(failed?.$case === 'orderFailed' && failed.value).toMatchObject({
        reason: 'Some items are out of stock: Last Teapot.',
        errorReason: ErrorReason.ERROR_REASON_INSUFFICIENT_STOCK,
      });
    });

    it('fails an order whose card is declined, gives the stock back and captures nothing', async () => {
      const p = await mesh.product({ stock: 4 });
      const ada = await mesh.as(freshUser());
      const { order } = await place(ada, { items: [{ productId: p.id, quantity: 3n }], paymentToken: 'tok_decline' });
      expect(order).toMatchObject({ state: OrderState.ORDER_STATE_FAILED, failureReason: 'Your payment was declined.' });
      expect(order!.paymentId).not.toBe('');
      expect(await mesh.level(p.sku)).toEqual({ onHand: 4n, reserved: 0n, available: 4n, sold: 0n });
      expect((await mesh.payments.getPayment({ paymentId: order!.paymentId }, ada)).payment?.state).toBe(PaymentState.PAYMENT_STATE_DECLINED);
      expect(chargesOf(order!.id).filter((c) => c.status === 'succeeded')).toEqual([]);
    });

    it('fails an order when the payment provider errors, gives the stock back and captures nothing', async () => {
      const p = await mesh.product({ stock: 4 });
      const ada = await mesh.as(freshUser());
      const { order } = await place(ada, { items: [{ productId: p.id, quantity: 1n }], paymentToken: 'tok_error' });
      expect(order?.state).toBe(OrderState.ORDER_STATE_FAILED);
      expect(order?.failureReason).toMatch(/could not reach the payment provider/);
      expect(await mesh.level(p.sku)).toEqual({ onHand: 4n, reserved: 0n, available: 4n, sold: 0n });
      expect(chargesOf(order!.id).filter((c) => c.status === 'succeeded')).toEqual([]);
    });

    it('charges once and confirms when the provider answers only after payments gave up waiting', async () => {
      const p = await mesh.product({ stock: 3 });
      const ada = await mesh.as(freshUser());
      const { order: placed } = await place(ada, { items: [{ productId: p.id, quantity: 1n }], paymentToken: 'tok_slow' });
      const order = await until(ada, placed!.id, (o) => o.state !== OrderState.ORDER_STATE_PENDING);
      expect(order.state).toBe(OrderState.ORDER_STATE_CONFIRMED);
      expect(chargesOf(order.id).map((c) => c.status)).toEqual(['succeeded']);
      expect(await mesh.level(p.sku)).toMatchObject({ reserved: 0n, sold: 1n });
    });
  });

  describe('the payment token', () => {
    /** holding lists every column of the orders database that holds `secret`, as text or as bytes. */
    async function holding(secret: string): Promise<string[]> {
      const { rows: columns } = await ordersDb.query<{ table_name: string; column_name: string; data_type: string }>(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
          WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')`,
      );
      const found: string[] = [];
      for (const c of columns) {
        const test = c.data_type === 'bytea' ? `position(convert_to($1, 'UTF8') in "${c.column_name}") > 0` : `"${c.column_name}"::text LIKE '%' || $1 || '%'`;
        const { rows } = await ordersDb.query<{ n: string }>(`SELECT count(*) AS n FROM "${c.table_name}" WHERE ${test}`, [secret]);
        if (rows[0]!.n !== '0') found.push(`${c.table_name}.${c.column_name}`);
      }
      return found;
    }

    it('is in no table while the charge is in flight, nor after the order is confirmed', async () => {
      const p = await mesh.product({ stock: 3 });
      const ada = await mesh.as(freshUser());
      expect(await holding('tok_slow')).toEqual([]);
      // tok_slow: the provider answers after 1.5 s, so the checkout is in its charge step for a while.
      // A short deadline: PlaceOrder answers the order as it stands, PENDING, while the saga goes on.
      const { order: placed } = await place(ada, { items: [{ productId: p.id, quantity: 1n }], paymentToken: 'tok_slow' }, orders.client, { deadline: 600 });
      expect(placed?.state).toBe(OrderState.ORDER_STATE_PENDING);
      // Before: order_sagas.payment_token held it until the charge's outcome was known.
      expect(await holding('tok_slow')).toEqual([]);
      const order = await until(ada, placed!.id, (o) => o.state !== OrderState.ORDER_STATE_PENDING);
      expect(order.state).toBe(OrderState.ORDER_STATE_CONFIRMED);
      expect(await holding('tok_slow')).toEqual([]);
    });
  });

  describe('a provider outage', () => {
    let outage: OrdersInstance;

    beforeAll(async () => {
      const paymentsAddress = await mesh.startPayments({
        PAYMENT_PROVIDER_URL: `http://127.0.0.1:${await deadPort()}`,
        BREAKER_MIN_CALLS: '2',
        BREAKER_HALF_OPEN_AFTER: '1h',
      });
      outage = await startOrders(mesh, { env: { PAYMENTS_ADDRESS: paymentsAddress } });
    });
    afterAll(() => outage?.stop());

    it('fails every order with a readable reason, before and after the breaker opens, with the stock back and nothing captured', async () => {
      const p = await mesh.product({ stock: 10 });
      const ada = await mesh.as(freshUser());
      const placed: Order[] = [];
      for (let i = 0; i < 4; i++) placed.push((await place(ada, { items: [{ productId: p.id, quantity: 2n }] }, outage.client)).order!);
      for (const order of placed) {
        const settled = await until(ada, order.id, (o) => o.state !== OrderState.ORDER_STATE_PENDING, outage.client);
        expect(settled.state).toBe(OrderState.ORDER_STATE_FAILED);
        expect(settled.failureReason).toBe(
          'We could not reach the payment provider, so your order was not completed. Nothing was charged; please try again later.',
        );
        expect(chargesOf(order.id)).toEqual([]);
      }
      expect(await mesh.level(p.sku)).toEqual({ onHand: 10n, reserved: 0n, available: 10n, sold: 0n });
    });
  });

  describe('idempotency', () => {
    it('answers a repeated PlaceOrder with the same order as it stands now and places nothing new', async () => {
      const p = await mesh.product({ stock: 10 });
      const ada = await mesh.as(freshUser());
      const request = { idempotencyKey: freshKey(), items: [{ productId: p.id, quantity: 2n }] };
      const first = (await place(ada, request)).order!;
      const again = (await place(ada, request)).order!;
      expect(again).toEqual(first);
      await orders.client.cancelOrder({ orderId: first.id }, ada);
      const afterCancel = (await place(ada, request)).order!;
      expect(afterCancel).toMatchObject({ id: first.id, state: OrderState.ORDER_STATE_CANCELLED });
      expect((await orders.client.listOrders({}, ada)).orders.map((o) => o.id)).toEqual([first.id]);
      expect(chargesOf(first.id)).toHaveLength(1);
    });

    it('creates one order and one charge for ten concurrent identical calls', async () => {
      const p = await mesh.product({ stock: 50 });
      const ada = await mesh.as(freshUser());
      const request = { idempotencyKey: freshKey(), items: [{ productId: p.id, quantity: 1n }] };
      const results = await Promise.all(Array.from({ length: 10 }, () => place(ada, request)));
      const ids = new Set(results.map((r) => r.order!.id));
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      const order = await until(ada, id!, (o) => o.state !== OrderState.ORDER_STATE_PENDING);
      expect(order.state).toBe(OrderState.ORDER_STATE_CONFIRMED);
      expect((await orders.client.listOrders({}, ada)).orders).toHaveLength(1);
      expect(chargesOf(id!)).toHaveLength(1);
      expect(mesh.simulator.chargeRequestsFor(`order-${id}-charge`)).toBe(1);
      expect(await mesh.level(p.sku)).toMatchObject({ reserved: 0n, sold: 1n });
    });

    it('refuses the same key with another request as IDEMPOTENCY_KEY_REUSED, and scopes keys to the caller', async () => {
      const p = await mesh.product({ stock: 10 });
      const ada = await mesh.as(freshUser());
      const bob = await mesh.as(freshUser());
      const idempotencyKey = freshKey();
      const first = (await place(ada, { idempotencyKey, items: [{ productId: p.id, quantity: 1n }] })).order!;
      for (const other of [
        { idempotencyKey, items: [{ productId: p.id, quantity: 2n }] },
        { idempotencyKey, items: [{ productId: p.id, quantity: 1n }], paymentToken: 'tok_decline' },
      ]) {
        const err = await failure(place(ada, other));
        expect(err.code).toBe(Code.ALREADY_EXISTS);
        expect(err.reason).toBe('IDEMPOTENCY_KEY_REUSED');
      }
      const bobs = (await place(bob, { idempotencyKey, items: [{ productId: p.id, quantity: 2n }] })).order!;
      expect(bobs.id).not.toBe(first.id);
      expect(await mesh.level(p.sku)).toMatchObject({ sold: 3n });
    });
  });

  describe('cancelling', () => {
    it('refunds and returns the stock of a confirmed order, and answers a repeat with the cancelled order', async () => {
      const p = await mesh.product({ stock: 6 });
      const userId = freshUser();
      const ada = await mesh.as(userId);
      const { order } = await place(ada, { items: [{ productId: p.id, quantity: 4n }] });
      expect(order?.state).toBe(OrderState.ORDER_STATE_CONFIRMED);
      expect(await mesh.level(p.sku)).toMatchObject({ onHand: 2n, sold: 4n });

      const { order: cancelled } = await orders.client.cancelOrder({ orderId: order!.id, reason: 'Changed my mind.' }, ada);
      expect(cancelled).toMatchObject({ state: OrderState.ORDER_STATE_CANCELLED, failureReason: 'Changed my mind.' });
      expect(BigInt(cancelled!.version)).toBeGreaterThan(BigInt(order!.version));
      expect(await mesh.reservationState(order!.id, ReservationState.RESERVATION_STATE_RETURNED)).toBe(ReservationState.RESERVATION_STATE_RETURNED);
      let payment = (await mesh.payments.getPayment({ paymentId: order!.paymentId }, ada)).payment!;
      for (let waited = 0; payment.state !== PaymentState.PAYMENT_STATE_REFUNDED && waited < 10_000; waited += 100) {
        await sleep(100);
        payment = (await mesh.payments.getPayment({ paymentId: order!.paymentId }, ada)).payment!;
      }
      expect(payment).toMatchObject({ state: PaymentState.PAYMENT_STATE_REFUNDED, refundedAmount: { amountMinor: 5000n } });
      expect(payment.refunds).toHaveLength(1);
      expect(await mesh.level(p.sku)).toEqual({ onHand: 6n, reserved: 0n, available: 6n, sold: 0n });

      const again = await orders.client.cancelOrder({ orderId: order!.id, reason: 'again' }, ada);
      expect(again.order).toMatchObject({ state: OrderState.ORDER_STATE_CANCELLED, failureReason: 'Changed my mind.', version: cancelled!.version });
      const cancelledEvent = (await mesh.eventOf(orders.address, order!.id, 'shop.events.v1.OrderCancelled'))?.payload;
      expect(cancelledEvent?.$case === 'orderCancelled' && cancelledEvent.value).toMatchObject({ userId, cancelledByUserId: userId, reason: 'Changed my mind.' });
    });

    it('cancels a pending order at its next step, releasing its stock without charging', async () => {
      const p = await mesh.product({ stock: 5 });
      const ada = await mesh.as(freshUser());
      gate.arm();
      const { order } = await place(ada, { items: [{ productId: p.id, quantity: 2n }] }, orders.client, { deadline: 15_000 });
      expect(order?.state).toBe(OrderState.ORDER_STATE_PENDING);
      const { order: cancelled } = await orders.client.cancelOrder({ orderId: order!.id }, ada);
      expect(cancelled).toMatchObject({ state: OrderState.ORDER_STATE_CANCELLED, failureReason: 'The order was cancelled at your request.' });
      gate.open();
      // The reservation made by the step that was running is released at the next step boundary.
      expect(await mesh.reservationState(order!.id, ReservationState.RESERVATION_STATE_RELEASED)).toBe(ReservationState.RESERVATION_STATE_RELEASED);
      expect(await mesh.level(p.sku)).toEqual({ onHand: 5n, reserved: 0n, available: 5n, sold: 0n });
      expect((await orders.client.getOrder({ orderId: order!.id }, ada)).order?.state).toBe(OrderState.ORDER_STATE_CANCELLED);
      expect(chargesOf(order!.id)).toEqual([]);
    });

    it('refuses to cancel a failed order with INVALID_STATE, hides others\' orders and lets an admin cancel any', async () => {
      const p = await mesh.product({ stock: 5 });
      const ada = await mesh.as(freshUser());
      const bob = await mesh.as(freshUser());
      const { order: failed } = await place(ada, { items: [{ productId: p.id, quantity: 1n }], paymentToken: 'tok_decline' });
      const err = await failure(orders.client.cancelOrder({ orderId: failed!.id }, ada));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('INVALID_STATE');
      expect(err.errorDetails.preconditionFailure?.violations[0]?.description).toBe('the order is FAILED');

      const { order } = await place(ada, { items: [{ productId: p.id, quantity: 1n }] });
      expect((await failure(orders.client.cancelOrder({ orderId: order!.id }, bob))).code).toBe(Code.NOT_FOUND);
      expect((await failure(orders.client.getOrder({ orderId: order!.id }, bob))).code).toBe(Code.NOT_FOUND);
      const byAdmin = await orders.client.cancelOrder({ orderId: order!.id }, mesh.admin);
      expect(byAdmin.order?.state).toBe(OrderState.ORDER_STATE_CANCELLED);
      expect((await failure(orders.client.cancelOrder({ orderId: order!.id, reason: 'x'.repeat(501) }, ada))).code).toBe(Code.INVALID_ARGUMENT);
    });
  });

  describe('watching', () => {
    it('streams the current order, then each state change, and ends after a terminal one', async () => {
      const p = await mesh.product({ stock: 5 });
      const ada = await mesh.as(freshUser());
      gate.arm();
      const { order } = await place(ada, { items: [{ productId: p.id, quantity: 1n }] }, orders.client, { deadline: 15_000 });
      expect(order?.state).toBe(OrderState.ORDER_STATE_PENDING);

      const seen: Order[] = [];
      const watching = (async () => {
        for await (const message of orders.client.watchOrder({ orderId: order!.id }, { ...ada, deadline: 20_000 })) {
          seen.push(message.order!);
          if (message.order?.state === OrderState.ORDER_STATE_CONFIRMED) await orders.client.cancelOrder({ orderId: order!.id }, ada);
        }
      })();
      for (let waited = 0; seen.length === 0 && waited < 5_000; waited += 20) await sleep(20);
      gate.open();
      await watching;
      expect(seen.map((o) => o.state)).toEqual([OrderState.ORDER_STATE_PENDING, OrderState.ORDER_STATE_CONFIRMED, OrderState.ORDER_STATE_CANCELLED]);
      const versions = seen.map((o) => BigInt(o.version));
      expect(versions[1]! > versions[0]! && versions[2]! > versions[1]!).toBe(true);
      expect(seen[1]!.paymentId).not.toBe('');
      expect(seen[2]!.failureReason).toBe('The order was cancelled at your request.');
    });

    it('sends a terminal order once and ends, and hides others\' orders', async () => {
      const p = await mesh.product({ stock: 5 });
      const ada = await mesh.as(freshUser());
      const { order } = await place(ada, { items: [{ productId: p.id, quantity: 1n }], paymentToken: 'tok_decline' });
      const seen: Order[] = [];
      for await (const message of orders.client.watchOrder({ orderId: order!.id }, ada)) seen.push(message.order!);
      expect(seen.map((o) => o.state)).toEqual([OrderState.ORDER_STATE_FAILED]);

      const bob = await mesh.as(freshUser());
      const err = await failure(
        (async () => {
          for await (const message of orders.client.watchOrder({ orderId: order!.id }, bob)) seen.push(message.order!);
        })(),
      );
      expect(err.code).toBe(Code.NOT_FOUND);
    });

    it('ends open watches with UNAVAILABLE when the process shuts down, well within the grace period', async () => {
      const other = await startOrders(mesh, { env: { SHUTDOWN_GRACE_MS: '20000' } });
      let stopped = false;
      try {
        const p = await mesh.product({ stock: 5 });
        const ada = await mesh.as(freshUser());
        // CONFIRMED is not terminal (the order waits for shipping), so the watch stays open.
        const { order } = await place(ada, { items: [{ productId: p.id, quantity: 1n }] }, other.client);
        expect(order?.state).toBe(OrderState.ORDER_STATE_CONFIRMED);
        const seen: Order[] = [];
        const watching = failure(
          (async () => {
            for await (const message of other.client.watchOrder({ orderId: order!.id }, { ...ada, deadline: 60_000 })) seen.push(message.order!);
          })(),
        );
        for (let waited = 0; seen.length === 0 && waited < 5_000; waited += 20) await sleep(20);
        expect(seen.map((o) => o.state)).toEqual([OrderState.ORDER_STATE_CONFIRMED]);

        const started = Date.now();
        await other.svc.stop();
        stopped = true;
        const tookMs = Date.now() - started;
        const err = await watching;
        expect([err.code, err.reason]).toEqual([Code.UNAVAILABLE, 'SHUTTING_DOWN']);
        expect(tookMs).toBeLessThan(5_000);
      } finally {
        other.client.close();
        if (!stopped) await other.svc.stop();
      }
    });
  });

  describe('event feed', () => {
    it('answers a long poll of its event feed at once when the process shuts down, well within the grace period', async () => {
      const other = await startOrders(mesh, { env: { SHUTDOWN_GRACE_MS: '20000' } });
      const feed = connect(EventFeedServiceDefinition, other.address);
      let stopped = false;
      try {
        const asShipping = { metadata: { 'x-shop-service-token': await (await mesh.auth.identity('shipping')).token('orders') } };
        const { headPosition } = await feed.pullEvents({ afterPosition: 0n, maxEvents: 500 }, asShipping);
        const waiting = feed.pullEvents({ afterPosition: headPosition, maxWait: { seconds: 15n, nanos: 0 } }, { ...asShipping, deadline: 30_000 });
        await sleep(300);

        const started = Date.now();
        await other.svc.stop();
        stopped = true;
        // The server's drain ended the wait: the stop did not sit out the 15 s wait or the 20 s grace.
        expect(Date.now() - started).toBeLessThan(5_000);
        expect((await waiting).events).toEqual([]);
      } finally {
        feed.close();
        if (!stopped) await other.svc.stop();
      }
    });
  });

  describe('shipping', () => {
    it('marks a confirmed order SHIPPED from ShipmentShipped, publishes OrderShipped and refuses to cancel it', async () => {
      const p = await mesh.product({ stock: 5 });
      const userId = freshUser();
      const ada = await mesh.as(userId);
      const { order } = await place(ada, { items: [{ productId: p.id, quantity: 1n }] });
      expect(order?.state).toBe(OrderState.ORDER_STATE_CONFIRMED);
      const shipmentId = await mesh.ship(order!.id, userId);
      const shipped = await until(ada, order!.id, (o) => o.state === OrderState.ORDER_STATE_SHIPPED);
      expect(shipped).toMatchObject({ state: OrderState.ORDER_STATE_SHIPPED, shipmentId });
      const event = (await mesh.eventOf(orders.address, order!.id, 'shop.events.v1.OrderShipped'))?.payload;
      expect(event?.$case === 'orderShipped' && event.value).toMatchObject({ orderId: order!.id, userId, shipmentId, carrier: 'DHL' });
      const err = await failure(orders.client.cancelOrder({ orderId: order!.id }, ada));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('INVALID_STATE');
    });
  });

  describe('listing', () => {
    it('pages through the caller\'s own orders newest first and lets an admin filter by user and state', async () => {
      const p = await mesh.product({ stock: 50 });
      const userId = freshUser('lister');
      const lister = await mesh.as(userId);
      const placed: string[] = [];
      for (let i = 0; i < 5; i++) {
        placed.push((await place(lister, { items: [{ productId: p.id, quantity: 1n }], paymentToken: i === 2 ? 'tok_decline' : 'tok_approve' })).order!.id);
      }
      await place(await mesh.as(freshUser()), { items: [{ productId: p.id, quantity: 1n }] });

      const pages: string[][] = [];
      let pageToken = '';
      do {
        const page = await orders.client.listOrders({ pageSize: 2, pageToken }, lister);
        pages.push(page.orders.map((o) => o.id));
        pageToken = page.nextPageToken;
      } while (pageToken !== '');
      expect(pages).toEqual([[placed[4], placed[3]], [placed[2], placed[1]], [placed[0]]]);

      const failedOnly = await orders.client.listOrders({ state: OrderState.ORDER_STATE_FAILED }, lister);
      expect(failedOnly.orders.map((o) => o.id)).toEqual([placed[2]]);
      const asAdmin = await orders.client.listOrders({ userId, state: OrderState.ORDER_STATE_CONFIRMED, pageSize: 100 }, mesh.admin);
      expect(asAdmin.orders.map((o) => o.id)).toEqual([placed[4], placed[3], placed[1], placed[0]]);
      const everyone = await orders.client.listOrders({ pageSize: 100 }, mesh.admin);
      expect(new Set(everyone.orders.map((o) => o.userId)).size).toBeGreaterThan(1);

      expect((await failure(orders.client.listOrders({ userId: 'someone-else' }, lister))).code).toBe(Code.PERMISSION_DENIED);
      const first = await orders.client.listOrders({ pageSize: 1 }, lister);
      const otherFilter = await failure(orders.client.listOrders({ pageSize: 1, pageToken: first.nextPageToken, state: OrderState.ORDER_STATE_FAILED }, lister));
      expect(otherFilter.code).toBe(Code.INVALID_ARGUMENT);
      expect((await failure(orders.client.listOrders({ pageToken: 'bogus' }, lister))).code).toBe(Code.INVALID_ARGUMENT);
      expect((await failure(orders.client.listOrders({ pageSize: -1 }, lister))).code).toBe(Code.INVALID_ARGUMENT);
    });

    it('answers GetOrder of an unknown or malformed id with NOT_FOUND and INVALID_ARGUMENT, and an admin sees any order', async () => {
      const p = await mesh.product();
      const ada = await mesh.as(freshUser());
      const { order } = await place(ada, { items: [{ productId: p.id, quantity: 1n }] });
      expect((await orders.client.getOrder({ orderId: order!.id }, mesh.admin)).order?.id).toBe(order!.id);
      expect((await failure(orders.client.getOrder({ orderId: '00000000-0000-4000-8000-000000000009' }, ada))).code).toBe(Code.NOT_FOUND);
      expect((await failure(orders.client.getOrder({ orderId: 'nope' }, ada))).code).toBe(Code.INVALID_ARGUMENT);
      expect((await failure(orders.client.getOrder({ orderId: order!.id }))).code).toBe(Code.UNAUTHENTICATED);
    });
  });
});
