import { appendEvents, type Queryable } from '@shop/kit';
import type { OrderEvent } from './order-events';

/** SOURCE is the orders service's name as the source of its events. */
export const SOURCE = 'orders';

/**
 * emit appends order events to the outbox in tx, the transaction of the
 * change they describe, so an event exists exactly when its change
 * committed. The kit's relay publishes them.
 */
export function emit(tx: Queryable, ...events: OrderEvent[]): Promise<void> {
  return appendEvents(tx, SOURCE, events);
}
