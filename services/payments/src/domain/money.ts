import type { Violations } from './field-checks';

/** Amount is money in one currency, in its minor unit. */
export interface Amount {
  currency: string;
  amount: bigint;
}

/** MAX_AMOUNT_MINOR bounds one payment: 10^12 minor units (10 billion EUR), far above any order and exact as a JSON number. */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000n;

const CURRENCY = /^[A-Z]{3}$/;
const INT64 = /^-?\d{1,19}$/;

/**
 * checkAmount validates a shop.common.v1.Money that must be positive:
 * field names the message (for example "amount"), and violations name its
 * subfields ("amount.currency_code"). It returns the amount or undefined.
 */
export function checkAmount(
  violations: Violations,
  field: string,
  money: { currencyCode: string; amountMinor: string } | undefined,
): Amount | undefined {
  if (money === undefined) {
    violations.add(field, 'is required');
    return undefined;
  }
  let ok = true;
  if (!CURRENCY.test(money.currencyCode)) {
    violations.add(`${field}.currency_code`, 'must be a three-letter upper-case ISO 4217 code, for example EUR');
    ok = false;
  }
  if (!INT64.test(money.amountMinor) || BigInt(money.amountMinor) < 1n || BigInt(money.amountMinor) > MAX_AMOUNT_MINOR) {
    violations.add(`${field}.amount_minor`, `must be a whole number from 1 to ${MAX_AMOUNT_MINOR}`);
    ok = false;
  }
  return ok ? { currency: money.currencyCode, amount: BigInt(money.amountMinor) } : undefined;
}
