import { unavailable, type CallContext, type DeepPartial } from '@shop/kit';
import type { WatchOrderResponse } from '@shop/sdk/ts/shop/orders/v1/order_service';
import { canSee, orderNotFound } from '../domain/order-access';
import { isTerminal, type OrderRecord } from '../domain/types';
import { orderIdOf } from '../domain/order-id';
import type { OrdersDeps } from '../operations/deps';
import { findOrder, readStateChanges } from '../store/order-repo';
import { asOfChange, toOrder } from './to-proto';

/**
 * Wakeup lets a watch sleep until the notifier reports a change of its
 * order, the poll interval passes, or the call ends. A change reported
 * while the watch was busy is not lost: the next wait returns at once.
 */
function createWakeup() {
  let pending = false;
  let wake: (() => void) | undefined;
  return {
    fire() {
      pending = true;
      wake?.();
    },
    wait(ms: number, signal: AbortSignal): Promise<void> {
      if (pending || signal.aborted) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wake = undefined;
          pending = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        wake = done;
      });
    },
  };
}

/** shuttingDown is how a watch ends when the process stops: UNAVAILABLE, which clients retry (on another replica). */
function shuttingDown() {
  return unavailable('SHUTTING_DOWN', 'the orders service is shutting down; watch the order again');
}

/**
 * watchOrder streams an order: first as it stands, then one message per
 * state change, read from the order's state history (so every state is
 * sent, also when changes come faster than the stream is read, and changes
 * made by other replicas are seen), until a terminal state or the end of
 * the call. The process's notifier wakes the watch at once for changes
 * made here; a poll every WATCH_POLL_INTERVAL finds the others.
 *
 * When the process starts shutting down (deps.closing) the watch ends at
 * once with UNAVAILABLE / SHUTTING_DOWN instead of holding the shutdown
 * until its deadline: the client watches again, and the first message of
 * the new watch is the order as it stands, so nothing is missed.
 */
export async function* watchOrder(
  deps: Pick<OrdersDeps, 'db' | 'notifier' | 'watchPollMs' | 'closing'>,
  orderIdText: string,
  ctx: CallContext,
): AsyncGenerator<DeepPartial<WatchOrderResponse>> {
  const orderId = orderIdOf(orderIdText);
  if (deps.closing.aborted) throw shuttingDown();
  const ended = AbortSignal.any([ctx.signal, deps.closing]);
  const wakeup = createWakeup();
  // Subscribed before the first read, so no change falls between the two.
  const unsubscribe = deps.notifier.subscribe(orderId, () => wakeup.fire());
  try {
    const order: OrderRecord | undefined = await findOrder(deps.db, orderId);
    if (order === undefined || !canSee(order, ctx.user!)) throw orderNotFound(orderId);
    yield { order: toOrder(order) };
    let version = order.version;
    let state = order.state;
    while (!isTerminal(state) && !ctx.signal.aborted) {
      await wakeup.wait(deps.watchPollMs, ended);
      if (ctx.signal.aborted) return;
      if (deps.closing.aborted) throw shuttingDown();
      for (const change of await readStateChanges(deps.db, orderId, version)) {
        version = change.version;
        state = change.state;
        yield { order: toOrder(asOfChange(order, change)) };
        if (isTerminal(state)) return;
      }
    }
  } finally {
    unsubscribe();
  }
}
