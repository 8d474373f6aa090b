import { isAdmin, type CallContext, type ServiceImplementation } from '@shop/kit';
import type { OrderServiceDefinition } from '@shop/sdk/ts/shop/orders/v1/order_service';
import { parseListOrders } from '../domain/list-request';
import { canSee, orderNotFound } from '../domain/order-access';
import { orderIdOf } from '../domain/order-id';
import { toPlaceOrder } from '../domain/place-order-request';
import type { OrderRecord } from '../domain/types';
import { cancelOrder } from '../operations/cancel-order';
import type { OrdersDeps } from '../operations/deps';
import { placeOrder } from '../operations/place-order';
import { findOrder, listOrders } from '../store/order-repo';
import { stateName, toOrder } from './to-proto';
import { watchOrder } from './watch-order';

/** ANSWER_MARGIN_MS is kept free of the caller's deadline, so a waiting call still answers in time. */
const ANSWER_MARGIN_MS = 250;

/** waitBudget is how long a call may wait for the saga: the configured wait, but never past the caller's deadline. */
function waitBudget(deps: Pick<OrdersDeps, 'waitMs'>, ctx: CallContext): number {
  return Math.max(0, Math.min(deps.waitMs, ctx.deadline - Date.now() - ANSWER_MARGIN_MS));
}

/**
 * createOrderHandlers implements shop.orders.v1.OrderService. Access
 * (authenticated) is enforced by the runtime from the contract; the
 * handlers check that a customer touches only their own orders and answer
 * NOT_FOUND for anyone else's.
 */
export function createOrderHandlers(deps: OrdersDeps): ServiceImplementation<typeof OrderServiceDefinition> {
  /** settle kicks the order's saga and waits (briefly) until until holds, then reads the order as it stands. */
  async function settle(order: OrderRecord, ctx: CallContext, until: (o: { order?: OrderRecord; sagaDone?: boolean }) => boolean): Promise<OrderRecord> {
    const waiting = deps.notifier.waitFor(order.id, until, waitBudget(deps, ctx), ctx.signal);
    deps.runner.kick(order.id);
    await waiting;
    return (await findOrder(deps.db, order.id)) ?? order;
  }

  return {
    async placeOrder(req, ctx) {
      const input = toPlaceOrder(req);
      const { order } = await placeOrder(deps, ctx.user!.userId, input);
      // Held in memory for the charge step, never stored. A replay (same key, same token: the request hash
      // covers it) supplies it again, so a checkout whose process died before charging can still complete.
      if (order.state === 'PENDING') deps.paymentTokens.keep(order.id, input.paymentToken);
      // A replay of a PENDING order kicks its saga too: harmless if it runs, and it resumes one left behind.
      const settled = order.state === 'PENDING' ? await settle(order, ctx, (n) => n.sagaDone === true || (n.order !== undefined && n.order.state !== 'PENDING')) : order;
      return { order: toOrder(settled) };
    },

    async getOrder(req, ctx) {
      const id = orderIdOf(req.orderId);
      const order = await findOrder(deps.db, id);
      if (order === undefined || !canSee(order, ctx.user!)) throw orderNotFound(id);
      return { order: toOrder(order) };
    },

    async listOrders(req, ctx) {
      const user = ctx.user!;
      const query = parseListOrders({ ...req, state: stateName(req.state) }, { userId: user.userId, admin: isAdmin(user) }, deps.pageTokens);
      const rows = await listOrders(deps.db, { userId: query.userId, state: query.state, before: query.before, limit: query.pageSize + 1 });
      const page = rows.slice(0, query.pageSize);
      const nextPageToken = rows.length > query.pageSize ? deps.pageTokens.encode(page[page.length - 1]!.seq, query.fingerprint) : '';
      return { orders: page.map(toOrder), nextPageToken };
    },

    async cancelOrder(req, ctx) {
      const id = orderIdOf(req.orderId);
      const { order, changed } = await cancelOrder(deps, id, ctx.user!, req.reason.trim());
      // The compensation runs in the background; waiting a moment lets the common case answer with it done.
      const settled = changed ? await settle(order, ctx, (n) => n.sagaDone === true) : order;
      return { order: toOrder(settled) };
    },

    watchOrder(req, ctx) {
      return watchOrder(deps, req.orderId, ctx);
    },
  };
}
