import { Violations } from './violations';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** isUuid tells whether text is a UUID in its canonical 8-4-4-4-12 hex form (any case). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** parseOrderId validates an order_id (a UUID) and returns it in lower case, as the database prints it. */
export function parseOrderId(orderId: string): string {
  const violations = new Violations();
  if (orderId === '') violations.add('order_id', 'is required');
  else if (!isUuid(orderId)) violations.add('order_id', 'must be an order id (a UUID)');
  violations.throwIfAny();
  return orderId.toLowerCase();
}
