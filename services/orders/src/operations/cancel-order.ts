import { failedPrecondition, type UserPrincipal } from '@shop/kit';
import { canSee, orderNotFound } from '../domain/order-access';
import { requestCancel } from '../domain/saga';
import type { OrderRecord } from '../domain/types';
import { emit } from '../events/emit';
import { orderCancelled } from '../events/order-events';
import { findOrder, updateOrder } from '../store/order-repo';
import { appendLog, lockSaga, saveSaga } from '../store/saga-repo';
import type { OrdersDeps } from './deps';

/** DEFAULT_CANCEL_REASON is the failure_reason of an order cancelled without a reason. */
export const DEFAULT_CANCEL_REASON = 'The order was cancelled at your request.';

/** Cancelled is CancelOrder's order, and whether this call cancelled it (false: it was CANCELLED already). */
export interface Cancelled {
  order: OrderRecord;
  changed: boolean;
}

/**
 * cancelOrder cancels an order that has not shipped, in one transaction:
 * the order becomes CANCELLED (failure_reason is the reason), its saga is
 * turned to compensation (a running checkout compensates at its next step
 * boundary; a confirmed order refunds its payment and returns its stock)
 * and OrderCancelled is appended. The caller kicks the saga, which does the
 * compensation in the background until it succeeds. A CANCELLED order is
 * answered as it is; SHIPPED and FAILED are FAILED_PRECONDITION
 * (INVALID_STATE). Others' orders are NOT_FOUND for customers.
 *
 * Locks: the saga row, then the order row, the order every saga
 * transaction takes them in, so cancelling never deadlocks with the saga.
 */
export async function cancelOrder(deps: Pick<OrdersDeps, 'db'>, orderId: string, user: UserPrincipal, reason: string): Promise<Cancelled> {
  return deps.db.transaction(async (tx) => {
    const saga = await lockSaga(tx, orderId);
    const order = await findOrder(tx, orderId, { lock: true });
    if (order === undefined || saga === undefined || !canSee(order, user)) throw orderNotFound(orderId);
    if (order.state === 'CANCELLED') return { order, changed: false };
    const cancelling = order.state === 'PENDING' || order.state === 'CONFIRMED' ? requestCancel(saga.state) : undefined;
    if (cancelling === undefined) {
      throw failedPrecondition('INVALID_STATE', `order ${orderId} is ${order.state} and can no longer be cancelled`, {
        preconditionViolations: [{ type: 'ORDER_STATE', subject: orderId, description: `the order is ${order.state}` }],
      });
    }
    await saveSaga(tx, orderId, cancelling);
    const cancelled = await updateOrder(tx, order, { state: 'CANCELLED', failureReason: reason || DEFAULT_CANCEL_REASON });
    await appendLog(tx, { orderId, step: 'SAGA', event: 'started', detail: `cancelled by ${user.userId} while ${order.state}`, owner: '' });
    await emit(tx, orderCancelled(cancelled, user.userId));
    return { order: cancelled, changed: true };
  });
}
