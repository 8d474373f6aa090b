import type { Queryable } from '@shop/kit';
import { crossesLowStock } from '../domain/stock-changes';
import { availableOf, type StockLevel } from '../domain/types';
import { appendInventoryEvents, stockLowEvent } from './inventory-events';

/** StockLowSink receives a SKU that just became low on stock, inside the transaction that made it low. */
export type StockLowSink = (tx: Queryable, level: StockLevel) => Promise<void>;

/**
 * appendStockLow is the sink service.ts uses: it appends
 * StockLow{sku, available, threshold} (subject = the SKU) to the outbox on
 * tx, the transaction that lowered the stock, so the event commits or rolls
 * back with the change and the relay publishes it.
 */
export function appendStockLow(threshold: number | bigint): StockLowSink {
  const limit = BigInt(threshold);
  return (tx, level) => appendInventoryEvents(tx, [stockLowEvent(level, limit)]);
}

/** LowStockWatch checks every change that lowers availability against the threshold. */
export interface LowStockWatch {
  /** observe is called with a level after a change and the availability just before it. */
  observe(tx: Queryable, after: StockLevel, availableBefore: bigint): Promise<void>;
}

/** createLowStockWatch sends a SKU to sink (by default the outbox, appendStockLow) when its availability crosses down to threshold or below. */
export function createLowStockWatch(threshold: number, sink: StockLowSink = appendStockLow(threshold)): LowStockWatch {
  const limit = BigInt(threshold);
  return {
    async observe(tx, after, availableBefore) {
      if (crossesLowStock(availableBefore, availableOf(after), limit)) await sink(tx, after);
    },
  };
}
