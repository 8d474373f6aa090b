import { randomUUID } from 'node:crypto';
import { alreadyExists } from '@shop/kit';
import type { PlaceOrderInput } from '../domain/place-order-request';
import { priceItems } from '../domain/pricing';
import { initialSaga } from '../domain/saga';
import type { OrderRecord } from '../domain/types';
import { emit } from '../events/emit';
import { orderPlaced } from '../events/order-events';
import { findOrderByKey, insertOrder } from '../store/order-repo';
import { appendLog, insertSaga } from '../store/saga-repo';
import type { OrdersDeps } from './deps';
import { fetchProducts } from './fetch-products';

/** Placed is the order PlaceOrder answers with, and whether this call created it. */
export interface Placed {
  order: OrderRecord;
  created: boolean;
}

/**
 * placeOrder stores a new PENDING order for userId, or finds the one the
 * same idempotency key already placed:
 * - the key is looked up first, so a retry neither asks the catalog nor
 *   depends on it, and answers the existing order as it stands now;
 * - the same key with another request is ALREADY_EXISTS
 *   (IDEMPOTENCY_KEY_REUSED);
 * - otherwise the items are priced from the catalog and the order, its saga
 *   and its OrderPlaced event are written in one transaction. The unique
 *   (user_id, idempotency_key) decides between concurrent duplicates: the
 *   losers find the winner's order.
 * The saga is not started here: the caller kicks it.
 */
export async function placeOrder(deps: Pick<OrdersDeps, 'db' | 'catalog'>, userId: string, input: PlaceOrderInput): Promise<Placed> {
  const existing = await replay(deps, userId, input);
  if (existing) return { order: existing, created: false };

  const priced = priceItems(input.items, await fetchProducts(deps, input.items));
  const id = randomUUID();
  const created = await deps.db.transaction(async (tx) => {
    const order = await insertOrder(tx, {
      id,
      userId,
      idempotencyKey: input.idempotencyKey,
      requestHash: input.requestHash,
      priced,
      shippingAddress: input.shippingAddress,
    });
    if (order === undefined) return undefined;
    await insertSaga(tx, id, initialSaga());
    await appendLog(tx, { orderId: id, step: 'SAGA', event: 'started', detail: 'order placed', owner: '' });
    await emit(tx, orderPlaced(order));
    return order;
  });
  if (created) return { order: created, created: true };
  // A concurrent call with the same key won the insert.
  const winner = await replay(deps, userId, input);
  if (!winner) throw new Error(`order with idempotency key ${JSON.stringify(input.idempotencyKey)} conflicted but cannot be read`);
  return { order: winner, created: false };
}

async function replay(deps: Pick<OrdersDeps, 'db'>, userId: string, input: PlaceOrderInput): Promise<OrderRecord | undefined> {
  const found = await findOrderByKey(deps.db, userId, input.idempotencyKey);
  if (found === undefined) return undefined;
  if (found.requestHash !== input.requestHash) {
    throw alreadyExists(
      'idempotency key',
      input.idempotencyKey,
      'IDEMPOTENCY_KEY_REUSED',
      `idempotency key ${JSON.stringify(input.idempotencyKey)} was already used for another order request; use a new key for a new order`,
    );
  }
  return found.order;
}
