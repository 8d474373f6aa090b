import { alreadyExists, type Queryable } from '@shop/kit';
import type { ReserveInput } from '../domain/requests';
import { isSameReservation } from '../domain/same-reservation';
import { insufficientStock, type Shortage } from '../domain/stock-changes';
import { availableOf, type ReservationRecord, type StockLevel } from '../domain/types';
import { recordMovements } from '../store/movement-repo';
import { findReservation, insertItems, insertReservation } from '../store/reservation-repo';
import { retryConflicts } from '../store/retry-conflicts';
import { holdUnits, readLevels } from '../store/stock-repo';
import { TX_OPTIONS, type InventoryDeps } from './deps';
import { appendInventoryEvents, reservedEvent } from './inventory-events';

/**
 * reserveStock holds every item's units for an order in one transaction, or
 * none of them.
 *
 * 1. The reservation row is inserted first: it claims the reservation_id, so
 *    a repeat finds it and answers with the stored reservation (holding
 *    nothing more), and a concurrent duplicate waits for this transaction.
 * 2. Each SKU, in SKU order, is held with one conditional UPDATE. Every
 *    transaction that locks stock rows takes them in this order, so they
 *    queue instead of deadlocking.
 * 3. If any SKU is short, the remaining ones are only read (no more locks),
 *    and the error with every short SKU rolls the whole transaction back:
 *    nothing is held, the reservation_id is free again.
 */
export function reserveStock(deps: InventoryDeps, input: ReserveInput, actor: string): Promise<ReservationRecord> {
  return retryConflicts(() => deps.db.transaction((tx) => reserveIn(deps, tx, input, actor), TX_OPTIONS));
}

async function reserveIn(deps: InventoryDeps, tx: Queryable, input: ReserveInput, actor: string): Promise<ReservationRecord> {
  const created = await insertReservation(tx, input);
  if (created === undefined) return existingReservation(tx, input);

  const held: StockLevel[] = [];
  const shortages: Shortage[] = [];
  for (const item of input.items) {
    if (shortages.length > 0) {
      const level = (await readLevels(tx, [item.sku])).get(item.sku)!;
      if (availableOf(level) < item.quantity) shortages.push({ sku: item.sku, requested: item.quantity, available: availableOf(level) });
      continue;
    }
    const level = await holdUnits(tx, item.sku, item.quantity);
    if (level !== undefined) {
      held.push(level);
    } else {
      const current = (await readLevels(tx, [item.sku])).get(item.sku)!;
      shortages.push({ sku: item.sku, requested: item.quantity, available: availableOf(current) });
    }
  }
  if (shortages.length > 0) throw insufficientStock(shortages);

  await insertItems(tx, input.reservationId, input.items);
  await recordMovements(
    tx,
    input.items.map((item, i) => ({ kind: 'reserve', quantity: item.quantity, after: held[i]!, reservationId: input.reservationId, actor })),
  );
  const reservation = { ...created, items: input.items };
  await appendInventoryEvents(tx, [reservedEvent(reservation)]);
  for (const [i, level] of held.entries()) await deps.lowStock.observe(tx, level, availableOf(level) + input.items[i]!.quantity);
  return reservation;
}

/** existingReservation answers a repeated ReserveStock: the stored reservation if the request matches, else IDEMPOTENCY_KEY_REUSED. */
async function existingReservation(tx: Queryable, input: ReserveInput): Promise<ReservationRecord> {
  const found = await findReservation(tx, input.reservationId);
  // The insert conflicted, so the row exists; read committed sees it once its transaction committed.
  if (found === undefined) throw new Error(`reservation ${input.reservationId} conflicted on insert but cannot be read`);
  if (!isSameReservation(found.reservation, input)) {
    throw alreadyExists(
      'reservation',
      input.reservationId,
      'IDEMPOTENCY_KEY_REUSED',
      `reservation_id ${JSON.stringify(input.reservationId)} was already used for another order or other items`,
    );
  }
  return found.reservation;
}
