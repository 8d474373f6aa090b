import type { FieldViolation } from '@shop/kit';

/** SKU_PATTERN is the shape of a stock keeping unit: 3 to 64 of A-Z, 0-9 and dashes. */
export const SKU_PATTERN = /^[A-Z0-9-]{3,64}$/;

/** MAX_UNITS bounds on_hand and |delta| in one request, far above any real warehouse, so sums stay exact. */
export const MAX_UNITS = 1_000_000_000_000n;

const INT64 = /^-?\d{1,19}$/;

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

/** checkSku records a violation unless value is a well-formed SKU; it returns whether it is. */
export function checkSku(violations: Violations, field: string, value: string): boolean {
  if (value === '') {
    violations.add(field, 'is required');
    return false;
  }
  if (!SKU_PATTERN.test(value)) {
    violations.add(field, 'must be 3 to 64 characters of A-Z, 0-9 and -');
    return false;
  }
  return true;
}

/**
 * checkInteger reads an int64 field (a decimal string in ts-proto) and
 * records a violation unless it lies in [min, max]; it returns the value or
 * undefined.
 */
export function checkInteger(violations: Violations, field: string, value: string, min: bigint, max: bigint): bigint | undefined {
  if (!INT64.test(value)) {
    violations.add(field, 'must be a whole number');
    return undefined;
  }
  const n = BigInt(value);
  if (n < min || n > max) {
    violations.add(field, `must be between ${min} and ${max}`);
    return undefined;
  }
  return n;
}

/** ID_PATTERN accepts caller-chosen ids: 1 to 128 printable ASCII characters without spaces. */
const ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

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
