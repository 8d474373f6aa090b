import type { Queryable } from '@shop/kit';
import { sortBySku } from '../domain/requests';
import type { ItemQuantity } from '../domain/types';
import { recordMovements, type Movement } from '../store/movement-repo';
import { returnUnits } from '../store/stock-repo';

/** ReturnedItem is reserved units going back to available, and the reservation that held them. */
export interface ReturnedItem extends ItemQuantity {
  reservationId: string;
}

/**
 * returnReserved gives reserved units back (release or expiry) and records
 * each in the ledger. Rows are locked in SKU order, like everywhere else.
 */
export async function returnReserved(
  tx: Queryable,
  items: readonly ReturnedItem[],
  kind: 'release' | 'expire',
  opts: { reason?: string; actor?: string } = {},
): Promise<void> {
  const movements: Movement[] = [];
  for (const item of sortBySku(items)) {
    const after = await returnUnits(tx, item.sku, item.quantity);
    movements.push({ kind, quantity: item.quantity, after, reason: opts.reason, reservationId: item.reservationId, actor: opts.actor });
  }
  await recordMovements(tx, movements);
}
