import type { FieldViolation } from '@shop/kit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** isUuid tells whether text is a UUID in its canonical 8-4-4-4-12 hex form (any case). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/**
 * checkProductId returns the id in lower case (as the database prints it),
 * or the violation for field when it is missing or not a UUID.
 */
export function checkProductId(id: string | undefined, field: string): { id: string } | { violation: FieldViolation } {
  if (id === undefined || id === '') return { violation: { field, description: 'is required' } };
  if (!isUuid(id)) return { violation: { field, description: 'must be a UUID' } };
  return { id: id.toLowerCase() };
}
