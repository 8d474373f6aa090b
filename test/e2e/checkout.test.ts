import { randomUUID } from 'node:crypto';
import { ShopError, Status } from '@shop/sdk';
import { OrderState, type Order } from '@shop/sdk/ts/shop/orders/v1/order';
import { ShipmentState } from '@shop/sdk/ts/shop/shipping/v1/shipment';
import { startMesh, type Mesh } from '../support/mesh';
import { ADDRESS, CHECKOUT_SERVICES, DEMO_PRODUCTS, loginAda, meshClients, simulatorCharges, waitFor } from '../support/checkout';

const TEST_AMQP_URL = process.env.TEST_AMQP_URL;

/**
 * watchStates follows an order with WatchOrder until it reaches `until`, and
 * returns the distinct states streamed. A stream that ends by its deadline is
 * called again (its first message is the order as it stands).
 */
async function watchStates(mesh: Mesh, token: string, orderId: string, until: OrderState): Promise<OrderState[]> {
  const shop = meshClients(mesh, token);
  const states: OrderState[] = [];
  const deadline = Date.now() + 90_000;
  try {
    while (Date.now() < deadline) {
      try {
        for await (const { order } of shop.orders.watchOrder({ orderId }, { deadline: 30_000 })) {
          if (states[states.length - 1] !== order!.state) states.push(order!.state);
          if (order!.state === until) return states;
        }
      } catch (err) {
        if (!(err instanceof ShopError && err.code === Status.DEADLINE_EXCEEDED)) throw err;
      }
    }
  } finally {
    shop.close();
  }
  throw new Error(`order ${orderId} did not reach ${OrderState[until]}: ${states.map((s) => OrderState[s]).join(' -> ')}`);
}

/** checkoutSuite runs the checkout end to end; with amqpUrl, events go through RabbitMQ on names of this run only. */
function checkoutSuite(title: string, amqpUrl: string | undefined) {
  describe(title, () => {
    let mesh: Mesh;
    let token: string;

    beforeAll(async () => {
      mesh = await startMesh([...CHECKOUT_SERVICES], { simulator: true, amqpUrl, env: { SHIP_DELAY: '500ms' } });
      token = await loginAda(mesh);
    }, 240_000);
    afterAll(async () => {
      await mesh?.stop();
    }, 60_000);

    it('takes an approved order from PENDING through CONFIRMED to SHIPPED', async () => {
      const shop = meshClients(mesh, token);
      try {
        const before = (await shop.inventory.getStock({ sku: DEMO_PRODUCTS.mug.sku })).stock!;
        const { order } = await shop.orders.placeOrder({
          idempotencyKey: `e2e-${randomUUID()}`,
          items: [{ productId: DEMO_PRODUCTS.mug.id, quantity: 2n }],
          shippingAddress: ADDRESS,
          paymentToken: 'tok_approve',
        });
        const states = await watchStates(mesh, token, order!.id, OrderState.ORDER_STATE_SHIPPED);
        // The watch starts from the order as it stands, so a fast saga may already be past PENDING.
        expect(states[states.length - 1]).toBe(OrderState.ORDER_STATE_SHIPPED);
        expect(states).toContain(OrderState.ORDER_STATE_CONFIRMED);
        const expected: OrderState[] = [OrderState.ORDER_STATE_PENDING, OrderState.ORDER_STATE_CONFIRMED, OrderState.ORDER_STATE_SHIPPED];
        expect(expected.slice(expected.indexOf(states[0]))).toEqual(states);

        const { shipment } = await shop.shipping.getShipment({ orderId: order!.id });
        expect(shipment!.state).toBe(ShipmentState.SHIPMENT_STATE_SHIPPED);
        expect(shipment!.trackingNumber).not.toBe('');
        const shipped: Order = (await shop.orders.getOrder({ orderId: order!.id })).order!;
        expect(shipped.state).toBe(OrderState.ORDER_STATE_SHIPPED);
        expect(shipped.shipmentId).toBe(shipment!.id);

        const charges = await simulatorCharges(mesh, order!.id);
        expect(charges.filter((c) => c.status === 'succeeded')).toHaveLength(1);
        const after = (await shop.inventory.getStock({ sku: DEMO_PRODUCTS.mug.sku })).stock!;
        expect(Number(after.sold) - Number(before.sold)).toBe(2);
        expect(Number(after.onHand) + Number(after.sold)).toBe(Number(before.onHand) + Number(before.sold));
      } finally {
        shop.close();
      }
    }, 150_000);

    it('fails a declined card with the stock back and no capture', async () => {
      const shop = meshClients(mesh, token);
      try {
        const sku = DEMO_PRODUCTS.kettle.sku;
        const before = (await shop.inventory.getStock({ sku })).stock!;
        const { order: placed } = await shop.orders.placeOrder({
          idempotencyKey: `e2e-${randomUUID()}`,
          items: [{ productId: DEMO_PRODUCTS.kettle.id, quantity: 3n }],
          shippingAddress: ADDRESS,
          paymentToken: 'tok_decline',
        });
        const order = await waitFor('the declined order to fail', 60_000, async () => {
          const { order } = await shop.orders.getOrder({ orderId: placed!.id });
          return order!.state === OrderState.ORDER_STATE_PENDING ? undefined : order!;
        });
        expect(order.state).toBe(OrderState.ORDER_STATE_FAILED);
        expect(order.failureReason).toMatch(/declined/i);
        const after = (await shop.inventory.getStock({ sku })).stock!;
        expect({ onHand: after.onHand, reserved: after.reserved, sold: after.sold }).toEqual({
          onHand: before.onHand,
          reserved: before.reserved,
          sold: before.sold,
        });
        const captured = (await simulatorCharges(mesh, order.id)).filter((c) => c.status === 'succeeded' && c.amount_refunded < c.amount);
        expect(captured).toEqual([]);
      } finally {
        shop.close();
      }
    }, 120_000);
  });
}

checkoutSuite('checkout with real processes on the embedded default (PGlite + event feed)', undefined);

const SKIPPED = 'TEST_AMQP_URL is not set: skipping the RabbitMQ variant of the checkout end-to-end test';
if (TEST_AMQP_URL) {
  checkoutSuite('checkout with real processes on RabbitMQ', TEST_AMQP_URL);
} else {
  console.warn(SKIPPED);
  describe.skip(`checkout with real processes on RabbitMQ (${SKIPPED})`, () => {
    it('takes an approved order from PENDING through CONFIRMED to SHIPPED', () => undefined);
  });
}
