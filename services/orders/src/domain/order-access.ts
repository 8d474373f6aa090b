import { isAdmin, notFound, type DomainError, type UserPrincipal } from '@shop/kit';
import type { OrderRecord } from './types';

/** ORDER_TYPE is the google.rpc.ResourceInfo resource_type of an order. */
export const ORDER_TYPE = 'shop.orders.v1.Order';

/** canSee tells whether user may see and change order: its owner or an admin. */
export function canSee(order: Pick<OrderRecord, 'userId'>, user: UserPrincipal): boolean {
  return order.userId === user.userId || isAdmin(user);
}

/** orderNotFound is NOT_FOUND for an order that does not exist or that the caller may not see: the two look the same. */
export function orderNotFound(orderId: string): DomainError {
  return notFound(ORDER_TYPE, orderId);
}
