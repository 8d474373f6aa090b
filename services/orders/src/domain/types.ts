/** OrderStateName is an order's state as stored (shop.orders.v1.OrderState without its prefix). */
export type OrderStateName = 'PENDING' | 'CONFIRMED' | 'SHIPPED' | 'CANCELLED' | 'FAILED';

/** TERMINAL_STATES never change again. */
export const TERMINAL_STATES: ReadonlySet<OrderStateName> = new Set(['SHIPPED', 'CANCELLED', 'FAILED']);

/** isTerminal tells whether an order in state will never change again. */
export function isTerminal(state: OrderStateName): boolean {
  return TERMINAL_STATES.has(state);
}

/** PostalAddress is where an order goes (shop.common.v1.PostalAddress). */
export interface PostalAddress {
  recipient: string;
  lines: string[];
  city: string;
  postalCode: string;
  region: string;
  countryCode: string;
}

/** OrderLine is one product of an order, priced from the catalog when the order was placed. */
export interface OrderLine {
  productId: string;
  sku: string;
  name: string;
  quantity: bigint;
  unitPriceMinor: bigint;
}

/** lineTotal is unit price times quantity. */
export function lineTotal(line: Pick<OrderLine, 'quantity' | 'unitPriceMinor'>): bigint {
  return line.quantity * line.unitPriceMinor;
}

/** OrderRecord is a stored order. */
export interface OrderRecord {
  id: string;
  /** seq is the order's place in creation order, the key of listing pages. */
  seq: bigint;
  userId: string;
  state: OrderStateName;
  items: OrderLine[];
  currencyCode: string;
  totalMinor: bigint;
  shippingAddress: PostalAddress;
  paymentId: string;
  shipmentId: string;
  failureReason: string;
  version: bigint;
  createTime: Date;
  updateTime: Date;
}

/** StateChange is one entry of an order's state history: the order's changing fields right after the change. */
export interface StateChange {
  version: bigint;
  state: OrderStateName;
  paymentId: string;
  shipmentId: string;
  failureReason: string;
  at: Date;
}
