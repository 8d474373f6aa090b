import type { Queryable } from '@shop/kit';
import type { StockLevel } from '../domain/types';
import { createLowStockWatch } from './low-stock';

const tx: Queryable = { query: async () => ({ rows: [], rowCount: 0 }) };
const at = (onHand: bigint, reserved: bigint): StockLevel => ({ sku: 'MUG-001', onHand, reserved, sold: 0n });

describe('createLowStockWatch', () => {
  it('hands the level and the transaction to the sink when availability crosses down to the threshold', async () => {
    const seen: Array<[Queryable, StockLevel]> = [];
    const watch = createLowStockWatch(5, async (t, level) => void seen.push([t, level]));
    await watch.observe(tx, at(10n, 5n), 6n);
    expect(seen).toEqual([[tx, at(10n, 5n)]]);
  });

  it('does not call the sink again while the SKU stays low or when it has plenty', async () => {
    const seen: StockLevel[] = [];
    const watch = createLowStockWatch(5, async (_t, level) => void seen.push(level));
    await watch.observe(tx, at(10n, 6n), 5n);
    await watch.observe(tx, at(100n, 1n), 100n);
    expect(seen).toEqual([]);
  });

  it('does nothing by default until the outbox exists', async () => {
    await expect(createLowStockWatch(5).observe(tx, at(1n, 1n), 10n)).resolves.toBeUndefined();
  });
});
