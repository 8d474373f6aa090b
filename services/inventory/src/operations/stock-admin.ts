import { hashRequest, runIdempotent, type IdempotencyCodec, type Queryable } from '@shop/kit';
import type { AdjustStockInput, SetStockInput } from '../domain/requests';
import { planAdjust, planSet } from '../domain/stock-changes';
import { availableOf, type StockLevel } from '../domain/types';
import { recordMovements } from '../store/movement-repo';
import { retryConflicts } from '../store/retry-conflicts';
import { lockLevel, writeOnHand } from '../store/stock-repo';
import { TX_OPTIONS, type InventoryDeps } from './deps';

/** setStock sets a SKU's on_hand (creating the SKU), refusing to go below the units reserved. */
export function setStock(deps: InventoryDeps, input: SetStockInput, actor: string): Promise<StockLevel> {
  const set = (tx: Queryable) => changeOnHand(deps, tx, input.sku, actor, 'set', (level) => planSet(level, input.onHand));
  return retryConflicts(() => deps.db.transaction(set, TX_OPTIONS));
}

/**
 * adjustStock moves a SKU's on_hand by delta, refusing to go below the units
 * reserved. With a request_id it runs at most once: a retry gets the level
 * the first call returned, and the same id with another request is refused
 * (ALREADY_EXISTS, IDEMPOTENCY_KEY_REUSED).
 */
export async function adjustStock(deps: InventoryDeps, input: AdjustStockInput, actor: string): Promise<StockLevel> {
  const adjust = (tx: Queryable) => changeOnHand(deps, tx, input.sku, actor, 'adjust', (level) => planAdjust(level, input.delta), input.reason);
  if (input.requestId === '') return retryConflicts(() => deps.db.transaction(adjust, TX_OPTIONS));
  const request = {
    scope: 'inventory.AdjustStock',
    key: input.requestId,
    requestHash: hashRequest({ sku: input.sku, delta: input.delta, reason: input.reason }),
  };
  const outcome = await retryConflicts(() => runIdempotent(deps.db, request, adjust, levelCodec));
  return outcome.result;
}

async function changeOnHand(
  deps: InventoryDeps,
  tx: Queryable,
  sku: string,
  actor: string,
  kind: 'set' | 'adjust',
  plan: (level: StockLevel) => ReturnType<typeof planSet>,
  reason = '',
): Promise<StockLevel> {
  const before = await lockLevel(tx, sku);
  const change = plan(before);
  if (!change.ok) throw change.error;
  const after = await writeOnHand(tx, sku, change.onHand);
  await recordMovements(tx, [{ kind, quantity: after.onHand - before.onHand, after, reason, actor }]);
  await deps.lowStock.observe(tx, after, availableOf(before));
  return after;
}

/** levelCodec stores a StockLevel as JSON for runIdempotent: bigints as strings, the time as ISO text. */
const levelCodec: IdempotencyCodec<StockLevel> = {
  encode: (level) => ({
    sku: level.sku,
    onHand: level.onHand.toString(),
    reserved: level.reserved.toString(),
    sold: level.sold.toString(),
    updateTime: level.updateTime?.toISOString(),
  }),
  decode: (stored) => {
    const s = stored as { sku: string; onHand: string; reserved: string; sold: string; updateTime?: string };
    return {
      sku: s.sku,
      onHand: BigInt(s.onHand),
      reserved: BigInt(s.reserved),
      sold: BigInt(s.sold),
      updateTime: s.updateTime === undefined ? undefined : new Date(s.updateTime),
    };
  },
};
