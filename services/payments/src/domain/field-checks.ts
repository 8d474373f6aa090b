import type { FieldViolation } from '@shop/kit';

/**
 * Violations collects the field problems of one request, so a caller sees
 * every mistake at once instead of fixing them one call at a time.
 */
export class Violations {
  readonly list: FieldViolation[] = [];

  add(field: string, description: string): void {
    this.list.push({ field, description });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

/** ID_PATTERN accepts caller-chosen ids and keys: 1 to 128 printable ASCII characters without spaces. */
const ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** UUID_PATTERN is the shape of the ids this service assigns. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** checkId records a violation unless value is a non-empty printable id of at most 128 characters. */
export function checkId(violations: Violations, field: string, value: string): boolean {
  if (value === '') {
    violations.add(field, 'is required');
    return false;
  }
  if (!ID_PATTERN.test(value)) {
    violations.add(field, 'must be 1 to 128 printable ASCII characters without spaces');
    return false;
  }
  return true;
}

/** checkUuid records a violation unless value is a lower-case UUID, the form of every id this service assigns. */
export function checkUuid(violations: Violations, field: string, value: string): boolean {
  if (value === '') {
    violations.add(field, 'is required');
    return false;
  }
  if (!UUID_PATTERN.test(value)) {
    violations.add(field, 'must be a UUID');
    return false;
  }
  return true;
}
