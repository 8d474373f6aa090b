import type { Queryable } from '@shop/kit';
import { crossesLowStock } from '../domain/stock-changes';
import { availableOf, type StockLevel } from '../domain/types';

/** StockLowSink receives a SKU that just became low on stock, inside the transaction that made it low. */
export type StockLowSink = (tx: Queryable, level: StockLevel) => Promise<void>;

/**
 * emitStockLowLater is where StockLow will be published. It is called inside
 * the transaction that lowered the stock, so once the outbox exists (a later
 * issue) it becomes an INSERT INTO outbox on tx: the event then commits or
 * rolls back with the change and a relay publishes it. Until then it does
 * nothing on purpose.
 */
export const emitStockLowLater: StockLowSink = async () => {};

/** LowStockWatch checks every change that lowers availability against the threshold. */
export interface LowStockWatch {
  /** observe is called with a level after a change and the availability just before it. */
  observe(tx: Queryable, after: StockLevel, availableBefore: bigint): Promise<void>;
}

/** createLowStockWatch sends a SKU to sink when its availability crosses down to threshold or below. */
export function createLowStockWatch(threshold: number, sink: StockLowSink = emitStockLowLater): LowStockWatch {
  const limit = BigInt(threshold);
  return {
    async observe(tx, after, availableBefore) {
      if (crossesLowStock(availableBefore, availableOf(after), limit)) await sink(tx, after);
    },
  };
}
