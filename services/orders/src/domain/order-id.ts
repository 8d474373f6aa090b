const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** isUuid tells whether text is a UUID in its canonical 8-4-4-4-12 hex form (any case), for ids read from events. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** orderIdOf returns an order_id the contract found to be a UUID in lower case, as the database prints it. */
export function orderIdOf(orderId: string): string {
  return orderId.toLowerCase();
}
