import type { Database } from '@shop/kit';
import type { LowStockWatch } from './low-stock';

/** InventoryDeps are what the inventory operations work with. */
export interface InventoryDeps {
  db: Database;
  lowStock: LowStockWatch;
}

/**
 * TX_OPTIONS: every write runs at READ COMMITTED. Correctness comes from
 * row locks and conditional UPDATEs, which re-check their condition against
 * the latest committed row, not from snapshot isolation (which would abort
 * most concurrent reservations of a popular SKU with serialization errors).
 */
export const TX_OPTIONS = { isolation: 'read committed' } as const;
