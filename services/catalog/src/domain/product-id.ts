const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** isUuid tells whether text is a UUID in its canonical 8-4-4-4-12 hex form (any case). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}
