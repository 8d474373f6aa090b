import { hashRequest } from '@shop/kit';
import { isUuid } from './order-id';
import type { PostalAddress } from './types';
import { Violations } from './violations';

/** MAX_ITEMS is the most items one order may hold (the contract's bound, and inventory's per reservation). */
export const MAX_ITEMS = 100;

/** MAX_QUANTITY is the most units of one product an order may hold. */
export const MAX_QUANTITY = 1000n;

/** MAX_KEY_LENGTH is the longest idempotency key PlaceOrder accepts. */
export const MAX_KEY_LENGTH = 64;

const PRINTABLE = /^[\x21-\x7e]+$/;
const COUNTRY = /^[A-Z]{2}$/;
const INTEGER = /^-?\d+$/;

/** RequestedItem is one valid item of a PlaceOrder request. */
export interface RequestedItem {
  productId: string;
  quantity: bigint;
}

/** PlaceOrderInput is a valid PlaceOrder request, product ids in lower case. */
export interface PlaceOrderInput {
  idempotencyKey: string;
  items: RequestedItem[];
  shippingAddress: PostalAddress;
  paymentToken: string;
  /** requestHash identifies the request's content, to tell a retry from a reused key. */
  requestHash: string;
}

/** PlaceOrderRequestLike is the shape of shop.orders.v1.PlaceOrderRequest that validation reads. */
export interface PlaceOrderRequestLike {
  idempotencyKey: string;
  items: ReadonlyArray<{ productId: string; quantity: string }>;
  shippingAddress?: Partial<PostalAddress> | undefined;
  paymentToken: string;
}

/**
 * parsePlaceOrder validates PlaceOrder and throws INVALID_ARGUMENT with one
 * violation per bad field: idempotency_key 1 to 64 printable ASCII
 * characters; 1 to 100 items with distinct product ids (UUIDs) and
 * quantities 1 to 1000; a shipping address with recipient, 1 to 3 lines,
 * city, postal_code and a two-letter upper-case country_code; a
 * payment_token. The request hash covers everything the order is made of
 * (items, address, payment token), so a retry hashes the same and any other
 * body with the same key does not.
 */
export function parsePlaceOrder(req: PlaceOrderRequestLike): PlaceOrderInput {
  const v = new Violations();
  if (req.idempotencyKey === '') v.add('idempotency_key', 'is required');
  else if (req.idempotencyKey.length > MAX_KEY_LENGTH) v.add('idempotency_key', `must be at most ${MAX_KEY_LENGTH} characters`);
  else if (!PRINTABLE.test(req.idempotencyKey)) v.add('idempotency_key', 'must be printable ASCII without spaces');

  if (req.items.length === 0) v.add('items', 'must hold at least one item');
  if (req.items.length > MAX_ITEMS) v.add('items', `must hold at most ${MAX_ITEMS} items`);
  const items: RequestedItem[] = [];
  const seen = new Set<string>();
  req.items.forEach((item, i) => {
    const productId = item.productId.toLowerCase();
    if (item.productId === '') v.add(`items[${i}].product_id`, 'is required');
    else if (!isUuid(item.productId)) v.add(`items[${i}].product_id`, 'must be a product id (a UUID)');
    else if (seen.has(productId)) v.add(`items[${i}].product_id`, 'appears twice: give each product one item with its total quantity');
    seen.add(productId);
    const quantity = INTEGER.test(item.quantity) ? BigInt(item.quantity) : 0n;
    if (quantity < 1n || quantity > MAX_QUANTITY) v.add(`items[${i}].quantity`, `must be between 1 and ${MAX_QUANTITY}`);
    items.push({ productId, quantity });
  });

  const shippingAddress = checkAddress(v, req.shippingAddress);

  if (req.paymentToken === '') v.add('payment_token', 'is required');
  else if (req.paymentToken.length > 512) v.add('payment_token', 'must be at most 512 characters');

  v.throwIfAny();
  const input = { idempotencyKey: req.idempotencyKey, items, shippingAddress, paymentToken: req.paymentToken };
  return {
    ...input,
    requestHash: hashRequest({
      items: items.map((i) => ({ productId: i.productId, quantity: i.quantity.toString() })),
      shippingAddress,
      paymentToken: req.paymentToken,
    }),
  };
}

const LIMITS = { recipient: 200, line: 200, city: 100, postalCode: 20, region: 100 } as const;

function checkAddress(v: Violations, address: Partial<PostalAddress> | undefined): PostalAddress {
  const a: PostalAddress = {
    recipient: (address?.recipient ?? '').trim(),
    lines: (address?.lines ?? []).map((line) => line.trim()),
    city: (address?.city ?? '').trim(),
    postalCode: (address?.postalCode ?? '').trim(),
    region: (address?.region ?? '').trim(),
    countryCode: (address?.countryCode ?? '').trim(),
  };
  if (address === undefined) {
    v.add('shipping_address', 'is required');
    return a;
  }
  const required = (field: string, value: string, max: number) => {
    if (value === '') v.add(`shipping_address.${field}`, 'is required');
    else if (value.length > max) v.add(`shipping_address.${field}`, `must be at most ${max} characters`);
  };
  required('recipient', a.recipient, LIMITS.recipient);
  if (a.lines.length === 0) v.add('shipping_address.lines', 'must hold at least one line');
  if (a.lines.length > 3) v.add('shipping_address.lines', 'must hold at most 3 lines');
  a.lines.forEach((line, i) => required(`lines[${i}]`, line, LIMITS.line));
  required('city', a.city, LIMITS.city);
  required('postal_code', a.postalCode, LIMITS.postalCode);
  if (a.region.length > LIMITS.region) v.add('shipping_address.region', `must be at most ${LIMITS.region} characters`);
  if (a.countryCode === '') v.add('shipping_address.country_code', 'is required');
  else if (!COUNTRY.test(a.countryCode)) v.add('shipping_address.country_code', 'must be a two-letter ISO 3166-1 code in upper case, for example "DE"');
  return a;
}
