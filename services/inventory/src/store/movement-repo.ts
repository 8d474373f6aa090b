import type { Queryable } from '@shop/kit';
import type { StockLevel } from '../domain/types';

/** MovementKind is what changed a stock level. */
export type MovementKind = 'set' | 'adjust' | 'reserve' | 'release' | 'commit' | 'expire' | 'return';

/**
 * Movement is one row of the stock_movements ledger. quantity is the signed
 * change of on_hand for set and adjust, and the units held, returned, sold
 * or taken back (return) for the reservation kinds; after is the level right after the change.
 */
export interface Movement {
  kind: MovementKind;
  quantity: bigint;
  after: StockLevel;
  reason?: string;
  reservationId?: string;
  actor?: string;
}

/** recordMovements appends to the ledger, in the caller's transaction so the change and its record commit together. */
export async function recordMovements(q: Queryable, movements: readonly Movement[]): Promise<void> {
  if (movements.length === 0) return;
  await q.query(
    `INSERT INTO stock_movements (sku, kind, quantity, on_hand_after, reserved_after, reason, reservation_id, actor)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[])`,
    [
      movements.map((m) => m.after.sku),
      movements.map((m) => m.kind),
      movements.map((m) => m.quantity.toString()),
      movements.map((m) => m.after.onHand.toString()),
      movements.map((m) => m.after.reserved.toString()),
      movements.map((m) => m.reason ?? ''),
      movements.map((m) => m.reservationId ?? null),
      movements.map((m) => m.actor ?? ''),
    ],
  );
}

/** MovementRow is a ledger row as read back, for audits and tests. */
export interface MovementRow {
  sku: string;
  kind: MovementKind;
  quantity: string;
  on_hand_after: string;
  reserved_after: string;
  reason: string;
  reservation_id: string | null;
  actor: string;
}

/** listMovements returns a SKU's ledger, oldest first. */
export async function listMovements(q: Queryable, sku: string): Promise<MovementRow[]> {
  const { rows } = await q.query<MovementRow>(
    'SELECT sku, kind, quantity, on_hand_after, reserved_after, reason, reservation_id, actor FROM stock_movements WHERE sku = $1 ORDER BY id',
    [sku],
  );
  return rows;
}
