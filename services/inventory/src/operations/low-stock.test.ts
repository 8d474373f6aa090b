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

  it('appends StockLow to the outbox on the same transaction by default', async () => {
    const sql: string[] = [];
    const recording: Queryable = { query: async (text: string) => (sql.push(text), { rows: [], rowCount: 1 }) };
    await createLowStockWatch(5).observe(recording, at(1n, 1n), 10n);
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatch(/INSERT INTO event_outbox/);
  });
});
