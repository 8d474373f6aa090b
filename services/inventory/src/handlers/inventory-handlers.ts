import { notFound, type CallContext, type ServiceImplementation } from '@shop/kit';
import type { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { toAdjustStock, toReserveStock, toSetStock } from '../domain/requests';
import type { InventoryDeps } from '../operations/deps';
import { reserveStock } from '../operations/reserve-stock';
import { commitReservation, releaseReservation, returnReservation } from '../operations/settle-reservation';
import { adjustStock, setStock } from '../operations/stock-admin';
import { findReservation } from '../store/reservation-repo';
import { readLevels } from '../store/stock-repo';
import { toReservation, toStockLevel } from './to-proto';

/** HandlerDeps are the operations' dependencies plus the ttl ReserveStock uses when the caller sends none. */
export interface HandlerDeps extends InventoryDeps {
  defaultTtlMs: number;
}

/**
 * actorOf names who made a change, for the ledger: the admin's user id or
 * the calling service. Access itself is enforced by the runtime from the
 * contract before a handler runs.
 */
function actorOf(ctx: CallContext): string {
  return ctx.user?.userId ?? (ctx.caller ? `service:${ctx.caller.service}` : '');
}

/** createInventoryHandlers implements shop.inventory.v1.InventoryService: run the operation on the request the runtime validated by the contract, map back. */
export function createInventoryHandlers(deps: HandlerDeps): ServiceImplementation<typeof InventoryServiceDefinition> {
  return {
    async getStock(req) {
      const sku = req.sku;
      const levels = await readLevels(deps.db, [sku]);
      return { stock: toStockLevel(levels.get(sku)!) };
    },

    async batchGetStock(req) {
      const skus = req.skus;
      const levels = await readLevels(deps.db, skus);
      return { stocks: skus.map((sku) => toStockLevel(levels.get(sku)!)) };
    },

    async setStock(req, ctx) {
      return { stock: toStockLevel(await setStock(deps, toSetStock(req), actorOf(ctx))) };
    },

    async adjustStock(req, ctx) {
      return { stock: toStockLevel(await adjustStock(deps, toAdjustStock(req), actorOf(ctx))) };
    },

    async reserveStock(req, ctx) {
      const input = toReserveStock(req, deps.defaultTtlMs);
      return { reservation: toReservation(await reserveStock(deps, input, actorOf(ctx))) };
    },

    async commitReservation(req, ctx) {
      const reservation = await commitReservation(deps, req.reservationId, actorOf(ctx));
      return { reservation: toReservation(reservation) };
    },

    async releaseReservation(req, ctx) {
      const id = req.reservationId;
      const reservation = await releaseReservation(deps, id, req.reason, actorOf(ctx));
      return { reservation: reservation && toReservation(reservation) };
    },

    async returnReservation(req, ctx) {
      const id = req.reservationId;
      const reservation = await returnReservation(deps, id, req.reason, actorOf(ctx));
      return { reservation: toReservation(reservation) };
    },

    async getReservation(req) {
      const id = req.reservationId;
      const found = await findReservation(deps.db, id);
      if (found === undefined) throw notFound('reservation', id);
      return { reservation: toReservation(found.reservation) };
    },
  };
}
