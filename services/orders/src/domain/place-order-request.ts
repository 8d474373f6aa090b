import { hashRequest } from '@shop/kit';
import type { PostalAddress } from './types';

// What a PlaceOrder request may hold (key format, 1 to 100 items of
// distinct product UUIDs, quantities 1 to 1000, the address's required and
// bounded fields, the token) is the contract's (proto/shop/orders/v1 and
// shop/common/v1/address.proto, buf.validate), enforced by the runtime
// before the handler runs. What is left here is reading a valid request.

/** RequestedItem is one item of a valid PlaceOrder request. */
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

/** PlaceOrderRequestLike is the shape of shop.orders.v1.PlaceOrderRequest that is read. */
export interface PlaceOrderRequestLike {
  idempotencyKey: string;
  items: ReadonlyArray<{ productId: string; quantity: bigint }>;
  shippingAddress?: Partial<PostalAddress> | undefined;
  paymentToken: string;
}

/** EDGE_BLANKS is the white space the contract's not_blank rule means (and printable leaves only the space of it). */
const EDGE_BLANKS = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;
const trim = (text: string | undefined): string => (text ?? '').replace(EDGE_BLANKS, '');

/**
 * toPlaceOrder reads a valid PlaceOrder request: product ids in lower case,
 * the address's fields without surrounding blanks. The request hash covers
 * everything the order is made of (items, address, payment token), so a
 * retry hashes the same and any other body with the same key does not.
 */
export function toPlaceOrder(req: PlaceOrderRequestLike): PlaceOrderInput {
  const items = req.items.map((item) => ({ productId: item.productId.toLowerCase(), quantity: item.quantity }));
  const a = req.shippingAddress;
  const shippingAddress: PostalAddress = {
    recipient: trim(a?.recipient),
    lines: (a?.lines ?? []).map(trim),
    city: trim(a?.city),
    postalCode: trim(a?.postalCode),
    region: trim(a?.region),
    countryCode: trim(a?.countryCode),
  };
  return {
    idempotencyKey: req.idempotencyKey,
    items,
    shippingAddress,
    paymentToken: req.paymentToken,
    requestHash: hashRequest({
      items: items.map((i) => ({ productId: i.productId, quantity: i.quantity.toString() })),
      shippingAddress,
      paymentToken: req.paymentToken,
    }),
  };
}
