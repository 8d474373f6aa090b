import { appendEvents, type NewEvent, type Queryable } from '@shop/kit';
import type { Product } from '@shop/sdk/ts/shop/catalog/v1/product';

/** SOURCE is the envelope source of every catalog event. */
export const SOURCE = 'catalog';

/**
 * appendProductEvents writes events to the kit's outbox through tx, the
 * transaction of the change they describe, so they exist exactly when the
 * change commits; the relay started in service.ts publishes them.
 */
export function appendProductEvents(tx: Queryable, events: NewEvent[]): Promise<void> {
  return appendEvents(tx, SOURCE, events);
}

function snapshot(p: Product) {
  return {
    productId: p.id,
    sku: p.sku,
    name: p.name,
    description: p.description,
    price: p.price,
    category: p.category,
    imageUrl: p.imageUrl,
    version: p.version,
  };
}

/** createdEvent is shop.events.v1.ProductCreated; subject is the product id. */
export function createdEvent(p: Product): NewEvent {
  return { subject: p.id, payload: { $case: 'productCreated', value: { product: snapshot(p) } } };
}

/** updatedEvent is shop.events.v1.ProductUpdated with the product after the change and the update_mask paths that changed. */
export function updatedEvent(p: Product, paths: readonly string[]): NewEvent {
  return { subject: p.id, payload: { $case: 'productUpdated', value: { product: snapshot(p), updateMask: [...paths] } } };
}

/** deletedEvent is shop.events.v1.ProductDeleted. */
export function deletedEvent(productId: string, sku: string): NewEvent {
  return { subject: productId, payload: { $case: 'productDeleted', value: { productId, sku } } };
}
