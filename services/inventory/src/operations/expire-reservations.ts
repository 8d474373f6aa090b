import type { Database } from '@shop/kit';
import { claimDue, markExpired } from '../store/reservation-repo';
import { retryConflicts } from '../store/retry-conflicts';
import { sortBySku } from '../domain/requests';
import { TX_OPTIONS } from './deps';
import { appendInventoryEvents, releasedEvent } from './inventory-events';
import { returnReserved } from './return-units';

/**
 * expireDueReservations expires ACTIVE reservations past their expire_time
 * and gives their units back, batchSize per transaction, until none are due
 * (or maxBatches ran, so one sweep cannot run forever under a flood). Each
 * batch is claimed with FOR UPDATE SKIP LOCKED, so replicas sweeping at the
 * same time split the work instead of queueing behind each other. It
 * returns how many reservations it expired. Each expiry appends a
 * StockReleased (reason EXPIRED) in the same transaction.
 */
export async function expireDueReservations(db: Database, opts: { batchSize: number; maxBatches?: number }): Promise<number> {
  const maxBatches = opts.maxBatches ?? 50;
  let expired = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const count = await retryConflicts(() =>
      db.transaction(async (tx) => {
        const due = await claimDue(tx, opts.batchSize);
        if (due.reservationIds.length === 0) return 0;
        await returnReserved(tx, due.items, 'expire', { reason: 'expired' });
        await markExpired(tx, due.reservationIds);
        await appendInventoryEvents(
          tx,
          due.reservationIds.map((reservationId) =>
            releasedEvent(
              { reservationId, orderId: due.orderIds.get(reservationId)!, items: sortBySku(due.items.filter((i) => i.reservationId === reservationId)) },
              'EXPIRED',
            ),
          ),
        );
        return due.reservationIds.length;
      }, TX_OPTIONS),
    );
    expired += count;
    if (count < opts.batchSize) break;
  }
  return expired;
}
