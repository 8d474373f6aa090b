import { randomBytes } from 'node:crypto';
import { backends, type Backend } from '@shop/kit/testing';
import { ReservationState } from '@shop/sdk/ts/shop/inventory/v1/stock';
import { OrderState, type Order } from '@shop/sdk/ts/shop/orders/v1/order';
import { PaymentState } from '@shop/sdk/ts/shop/payments/v1/payment';
import type { Step } from '../src/domain/saga';
import type { SagaCheckpoint } from '../src/saga/saga-runner';
import { ordersStorage, startMesh, startOrders, type Mesh, type Metadata, type OrdersInstance } from './harness';

const ADDRESS = { recipient: 'Ada Lovelace', lines: ['12 St James Square'], city: 'London', postalCode: 'SW1Y 4JH', countryCode: 'GB' };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Crash tests: an orders process stops dead at a checkpoint of the saga
 * (the hook makes its driver drop the order there, keeping the lease, as a
 * killed process would), it is shut down, and a new process starts on the
 * same database. The new one's recovery loop must take the order over once
 * the dead lease expires and finish it exactly once.
 */
// Generous: a loaded CI machine on the embedded database is slow, and the
// waits below end as soon as the awaited state is reached.
jest.setTimeout(150_000);

describe.each(backends())('saga recovery after a crash on %s', (backend: Backend) => {
  let mesh: Mesh;

  beforeAll(async () => {
    mesh = await startMesh(backend);
  });
  afterAll(() => mesh?.stop());

  async function until(client: OrdersInstance['client'], user: Metadata, orderId: string, done: (o: Order) => boolean): Promise<Order> {
    for (let waited = 0; ; waited += 100) {
      const { order } = await client.getOrder({ orderId }, user);
      if (done(order!) || waited > 60_000) return order!;
      await sleep(100);
    }
  }

  /**
   * crashAndResume places an order on a process that dies at the given
   * checkpoint, starts a fresh process on the same data and returns the
   * order as the fresh process finished it.
   */
  async function crashAndResume(
    crashAt: { step: Step; at: SagaCheckpoint['at'] },
    paymentToken: string,
    quantity: number,
    resume: { replayBeforeCharge?: boolean } = {},
  ) {
    const storage = ordersStorage(backend);
    const product = await mesh.product({ stock: 5 });
    const user = await mesh.as(`crash-${randomBytes(3).toString('hex')}`);
    let crashed = false;
    let markCrashed!: () => void;
    const crash = new Promise<void>((resolve) => (markCrashed = resolve));
    const doomed = await startOrders(mesh, {
      storage,
      // It never recovers anything itself, its lease on the order expires soon
      // after it dies, and PlaceOrder answers with the order as it stands
      // after a short wait rather than waiting for a saga that will not move.
      env: { SAGA_RECOVERY_INTERVAL: '1h', SAGA_LEASE: '1s', PLACE_ORDER_WAIT: '200ms' },
      options: {
        hooks: {
          checkpoint(point) {
            if (point.step !== crashAt.step || point.at !== crashAt.at) return;
            crashed = true;
            markCrashed();
            return 'crash';
          },
        },
      },
    });
    let placed: Order;
    try {
      // The deadline is generous on purpose: on a loaded CI machine the
      // embedded database can take seconds before the saga reaches the
      // checkpoint, and the call must not time out first.
      placed = (
        await doomed.client.placeOrder(
          { idempotencyKey: 'crash-key', items: [{ productId: product.id, quantity: BigInt(quantity) }], shippingAddress: ADDRESS, paymentToken },
          { ...user, deadline: 30_000 },
        )
      ).order!;
      // Stopping aborts the steps in flight, so the process must not stop
      // before its driver has reached the checkpoint and died there.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([crash, new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)))]);
      clearTimeout(timer);
    } finally {
      await doomed.stop();
    }
    expect(crashed).toBe(true);
    expect(placed.state).toBe(OrderState.ORDER_STATE_PENDING);

    // With replayBeforeCharge the fresh process's charge step waits until the client has retried PlaceOrder.
    let replayed!: () => void;
    const replayedBeforeCharge = new Promise<void>((resolve) => (replayed = resolve));
    const fresh = await startOrders(mesh, {
      storage,
      options: resume.replayBeforeCharge ? { hooks: { checkpoint: (p) => (p.step === 'CHARGE' && p.at === 'started' ? replayedBeforeCharge : undefined) } } : {},
    });
    const replay = () =>
      fresh.client.placeOrder(
        { idempotencyKey: 'crash-key', items: [{ productId: product.id, quantity: BigInt(quantity) }], shippingAddress: ADDRESS, paymentToken },
        { ...user, deadline: 1_000 },
      );
    try {
      if (resume.replayBeforeCharge) {
        // The client retries (its first call may have timed out): the same key and request supply the token again.
        expect((await replay()).order?.id).toBe(placed.id);
        replayed();
      }
      const finished = await until(fresh.client, user, placed.id, (o) => o.state !== OrderState.ORDER_STATE_PENDING);
      // A retry of the first PlaceOrder on the fresh process answers the same order.
      expect((await replay()).order?.id).toBe(placed.id);
      return { order: finished, product, user, fresh };
    } finally {
      await fresh.stop();
      await storage.remove();
    }
  }

  // The payment token dies with the process that took the order (it is never stored): a charge that was sent is
  // found by its key (FindCharge); one that was not can be sent only if the client retries PlaceOrder.
  const confirmingCrashes: Array<{ step: Step; at: SagaCheckpoint['at']; replayBeforeCharge?: boolean }> = [
    { step: 'RESERVE', at: 'recorded', replayBeforeCharge: true },
    { step: 'CHARGE', at: 'started', replayBeforeCharge: true },
    { step: 'CHARGE', at: 'called' },
    { step: 'COMMIT', at: 'called' },
  ];

  it.each(confirmingCrashes)('finishes an order exactly once after a crash at $step $at: one reservation, one charge', async ({ replayBeforeCharge, ...crashAt }) => {
    const { order, product, user } = await crashAndResume(crashAt, 'tok_approve', 2, { replayBeforeCharge });
    expect(order.state).toBe(OrderState.ORDER_STATE_CONFIRMED);
    expect(await mesh.level(product.sku)).toEqual({ onHand: 3n, reserved: 0n, available: 3n, sold: 2n });
    expect(await mesh.reservationState(order.id)).toBe(ReservationState.RESERVATION_STATE_COMMITTED);
    const charges = mesh.simulator.charges().filter((c) => c.metadata.order_id === order.id);
    expect(charges.map((c) => c.status)).toEqual(['succeeded']);
    expect((await mesh.payments.getPayment({ paymentId: order.paymentId }, user)).payment?.state).toBe(PaymentState.PAYMENT_STATE_CAPTURED);
  });

  it.each([
    { step: 'RESERVE', at: 'recorded' },
    { step: 'CHARGE', at: 'started' },
  ] as Array<{ step: Step; at: SagaCheckpoint['at'] }>)('fails an order whose charge was never sent when its process died at $step $at, with nothing charged and the stock back', async (crashAt) => {
    const { order, product } = await crashAndResume(crashAt, 'tok_approve', 2);
    expect(order).toMatchObject({ state: OrderState.ORDER_STATE_FAILED, failureReason: expect.stringMatching(/Nothing was charged/) });
    expect(await mesh.level(product.sku)).toEqual({ onHand: 5n, reserved: 0n, available: 5n, sold: 0n });
    expect(await mesh.reservationState(order.id)).toBe(ReservationState.RESERVATION_STATE_RELEASED);
    expect(mesh.simulator.charges().filter((c) => c.metadata.order_id === order.id)).toEqual([]);
  });

  it('finishes the compensation of a declined order after a crash while releasing its stock', async () => {
    const { order, product } = await crashAndResume({ step: 'RELEASE', at: 'started' }, 'tok_decline', 3);
    expect(order).toMatchObject({ state: OrderState.ORDER_STATE_FAILED, failureReason: 'Your payment was declined.' });
    expect(await mesh.level(product.sku)).toEqual({ onHand: 5n, reserved: 0n, available: 5n, sold: 0n });
    expect(await mesh.reservationState(order.id)).toBe(ReservationState.RESERVATION_STATE_RELEASED);
    expect(mesh.simulator.charges().filter((c) => c.metadata.order_id === order.id && c.status === 'succeeded')).toEqual([]);
  });
});
