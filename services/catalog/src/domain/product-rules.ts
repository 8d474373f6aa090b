import type { FieldViolation } from '@shop/kit';
import type { Money } from '@shop/sdk/ts/shop/common/v1/money';
import { codePoints, hasControl, hasControlButWhitespace } from './text';

/**
 * The rules for each writable product field. Each check takes the value and
 * its field path in the request (for example "product.price") and returns
 * the violations, empty when the value is valid, so a request reports every
 * invalid field at once.
 */

/** LIMITS are the size bounds of product fields, in characters. */
export const LIMITS = {
  skuMin: 3,
  skuMax: 64,
  nameMax: 200,
  descriptionMax: 5000,
  categoryMax: 64,
  imageUrlMax: 2048,
} as const;

const SKU = /^[A-Z0-9-]{3,64}$/;
const CURRENCY = /^[A-Z]{3}$/;
const INT64_MAX = 2n ** 63n - 1n;

function violation(field: string, description: string): FieldViolation[] {
  return [{ field, description }];
}

/** checkSku: 3 to 64 characters of A-Z, 0-9 and '-'. */
export function checkSku(sku: string, field: string): FieldViolation[] {
  if (sku === '') return violation(field, 'is required');
  if (!SKU.test(sku)) return violation(field, `must be ${LIMITS.skuMin} to ${LIMITS.skuMax} characters of A-Z, 0-9 and '-'`);
  return [];
}

/** checkName: 1 to 200 characters, not only spaces, no control characters. */
export function checkName(name: string, field: string): FieldViolation[] {
  if (name.trim() === '') return violation(field, 'is required');
  if (codePoints(name) > LIMITS.nameMax) return violation(field, `must be at most ${LIMITS.nameMax} characters`);
  if (hasControl(name)) return violation(field, 'must not contain control characters');
  return [];
}

/** checkDescription: at most 5000 characters; tabs and line breaks are allowed. */
export function checkDescription(description: string, field: string): FieldViolation[] {
  if (codePoints(description) > LIMITS.descriptionMax) return violation(field, `must be at most ${LIMITS.descriptionMax} characters`);
  if (hasControlButWhitespace(description)) return violation(field, 'must not contain control characters other than tab and line breaks');
  return [];
}

/** checkPrice: required, an ISO 4217 code of three upper-case letters and a positive amount. */
export function checkPrice(price: Money | undefined, field: string): FieldViolation[] {
  if (price === undefined) return violation(field, 'is required');
  const out: FieldViolation[] = [];
  if (!CURRENCY.test(price.currencyCode)) {
    out.push({ field: `${field}.currency_code`, description: 'must be an ISO 4217 code of three upper-case letters, for example "EUR"' });
  }
  const amount = parseInt64(price.amountMinor);
  if (amount === undefined || amount <= 0n) out.push({ field: `${field}.amount_minor`, description: 'must be a positive whole number of minor units' });
  return out;
}

/** checkCategory: optional; lower case, at most 64 characters, no surrounding spaces or control characters. */
export function checkCategory(category: string, field: string): FieldViolation[] {
  if (category === '') return [];
  if (codePoints(category) > LIMITS.categoryMax) return violation(field, `must be at most ${LIMITS.categoryMax} characters`);
  if (category !== category.toLowerCase()) return violation(field, 'must be lower case');
  if (category !== category.trim() || hasControl(category)) return violation(field, 'must not start or end with spaces or contain control characters');
  return [];
}

/** checkImageUrl: optional; an absolute https URL with a host and no credentials, at most 2048 characters. */
export function checkImageUrl(url: string, field: string): FieldViolation[] {
  if (url === '') return [];
  if (codePoints(url) > LIMITS.imageUrlMax) return violation(field, `must be at most ${LIMITS.imageUrlMax} characters`);
  // The URL parser silently drops tabs and newlines; such a value is refused instead.
  if (/\s/.test(url) || hasControl(url)) return violation(field, 'must not contain spaces or control characters');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return violation(field, 'must be an absolute https URL');
  }
  if (parsed.protocol !== 'https:') return violation(field, 'must be an https URL');
  if (parsed.hostname === '') return violation(field, 'must name a host');
  if (parsed.username !== '' || parsed.password !== '') return violation(field, 'must not contain credentials');
  return [];
}

/** parseInt64 reads a decimal int64 (as ts-proto carries it), or undefined when it is not one. */
export function parseInt64(text: string): bigint | undefined {
  if (!/^-?\d{1,19}$/.test(text)) return undefined;
  const value = BigInt(text);
  return value > INT64_MAX || value < -INT64_MAX - 1n ? undefined : value;
}
