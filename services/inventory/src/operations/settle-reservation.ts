import { notFound, type Queryable } from '@shop/kit';
import { decideCommit, decideRelease, decideReturn, reservationExpired, type Decision } from '../domain/reservation-transitions';
import type { ReservationRecord } from '../domain/types';
import { recordMovements, type Movement } from '../store/movement-repo';
import { findReservation, setState, type FoundReservation } from '../store/reservation-repo';
import { retryConflicts } from '../store/retry-conflicts';
import { sellUnits, unsellUnits } from '../store/stock-repo';
import { TX_OPTIONS, type InventoryDeps } from './deps';
import { appendInventoryEvents, committedEvent, releasedEvent } from './inventory-events';
import { returnReserved } from './return-units';

/**
 * commitReservation turns an ACTIVE reservation into a sale (on_hand and
 * reserved drop, sold grows). A COMMITTED one is answered as it is. An
 * ACTIVE one past its expire_time is expired in this transaction, which
 * commits, and only then is the call failed with RESERVATION_EXPIRED: the
 * units go back even though the caller got an error.
 */
export async function commitReservation(deps: InventoryDeps, reservationId: string, actor: string): Promise<ReservationRecord> {
  const outcome = await retryConflicts(() =>
    deps.db.transaction(async (tx) => {
      const found = await lockOrThrow(tx, reservationId);
      return settle(tx, found, decideCommit(found.reservation, found.now), async (r) => {
        const movements: Movement[] = [];
        for (const item of r.items) {
          const after = await sellUnits(tx, item.sku, item.quantity);
          movements.push({ kind: 'commit', quantity: item.quantity, after, reservationId: r.reservationId, actor });
        }
        await recordMovements(tx, movements);
        await appendInventoryEvents(tx, [committedEvent(r)]);
        return setState(tx, r, 'COMMITTED');
      });
    }, TX_OPTIONS),
  );
  if (outcome.expired) throw reservationExpired(reservationId);
  return outcome.reservation;
}

/**
 * releaseReservation gives an ACTIVE reservation's units back (RELEASED;
 * EXPIRED if it was already past its expire_time). A RELEASED or EXPIRED
 * one is answered as it is and an unknown id with undefined, so a
 * compensation can always be retried. A COMMITTED one is refused.
 */
export function releaseReservation(
  deps: InventoryDeps,
  reservationId: string,
  reason: string,
  actor: string,
): Promise<ReservationRecord | undefined> {
  return retryConflicts(() =>
    deps.db.transaction(async (tx) => {
      const found = await findReservation(tx, reservationId, { lock: true });
      if (found === undefined) return undefined;
      const outcome = await settle(tx, found, decideRelease(found.reservation, found.now), async (r) => {
        await returnReserved(tx, withId(r), 'release', { reason, actor });
        await appendInventoryEvents(tx, [releasedEvent(r, 'REQUESTED')]);
        return setState(tx, r, 'RELEASED', reason);
      });
      return outcome.reservation;
    }, TX_OPTIONS),
  );
}

/**
 * returnReservation puts a COMMITTED reservation's sold units back on hand
 * (on_hand grows, sold drops) for an order cancelled after its stock was
 * committed, and records a 'return' movement per SKU. A RETURNED one is
 * answered as it is, so the cancellation can be retried; ACTIVE, RELEASED
 * and EXPIRED are refused with INVALID_STATE and an unknown id with NOT_FOUND.
 */
export function returnReservation(deps: InventoryDeps, reservationId: string, reason: string, actor: string): Promise<ReservationRecord> {
  return retryConflicts(() =>
    deps.db.transaction(async (tx) => {
      const found = await lockOrThrow(tx, reservationId);
      const outcome = await settle(tx, found, decideReturn(found.reservation), async (r) => {
        // Items come sorted by SKU, the order stock rows are locked in everywhere.
        const movements: Movement[] = [];
        for (const item of r.items) {
          const after = await unsellUnits(tx, item.sku, item.quantity);
          movements.push({ kind: 'return', quantity: item.quantity, after, reason, reservationId: r.reservationId, actor });
        }
        await recordMovements(tx, movements);
        return setState(tx, r, 'RETURNED', reason);
      });
      return outcome.reservation;
    }, TX_OPTIONS),
  );
}

interface Settled {
  reservation: ReservationRecord;
  /** expired is true when the reservation was found past its expire_time and expired instead. */
  expired: boolean;
}

/** settle carries out a transition decision on a locked reservation. */
async function settle(
  tx: Queryable,
  found: FoundReservation,
  decision: Decision,
  apply: (r: ReservationRecord) => Promise<ReservationRecord>,
): Promise<Settled> {
  const r = found.reservation;
  switch (decision.kind) {
    case 'apply':
      return { reservation: await apply(r), expired: false };
    case 'replay':
      return { reservation: r, expired: false };
    case 'refuse':
      throw decision.error;
    case 'expire':
      await returnReserved(tx, withId(r), 'expire', { reason: 'expired' });
      await appendInventoryEvents(tx, [releasedEvent(r, 'EXPIRED')]);
      return { reservation: await setState(tx, r, 'EXPIRED'), expired: true };
  }
}

async function lockOrThrow(tx: Queryable, reservationId: string): Promise<FoundReservation> {
  const found = await findReservation(tx, reservationId, { lock: true });
  if (found === undefined) throw notFound('reservation', reservationId);
  return found;
}

function withId(r: ReservationRecord) {
  return r.items.map((item) => ({ ...item, reservationId: r.reservationId }));
}
