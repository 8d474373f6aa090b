import type { Queryable } from '@shop/kit';
import { emptyLevel, type StockLevel } from '../domain/types';

interface StockRow {
  sku: string;
  on_hand: string;
  reserved: string;
  sold: string;
  update_time: Date;
}

const COLUMNS = 'sku, on_hand, reserved, sold, update_time';

function toLevel(row: StockRow): StockLevel {
  return { sku: row.sku, onHand: BigInt(row.on_hand), reserved: BigInt(row.reserved), sold: BigInt(row.sold), updateTime: row.update_time };
}

/** readLevels returns the level of every SKU asked for; SKUs never counted get zero levels. */
export async function readLevels(q: Queryable, skus: readonly string[]): Promise<Map<string, StockLevel>> {
  const { rows } = await q.query<StockRow>(`SELECT ${COLUMNS} FROM stock WHERE sku = ANY($1::text[])`, [[...new Set(skus)]]);
  const found = new Map(rows.map((row) => [row.sku, toLevel(row)]));
  return new Map(skus.map((sku) => [sku, found.get(sku) ?? emptyLevel(sku)]));
}

/**
 * lockLevel creates the SKU's row if needed and locks it until the
 * transaction ends, for read-decide-write changes (SetStock, AdjustStock).
 */
export async function lockLevel(q: Queryable, sku: string): Promise<StockLevel> {
  await q.query('INSERT INTO stock (sku) VALUES ($1) ON CONFLICT (sku) DO NOTHING', [sku]);
  const { rows } = await q.query<StockRow>(`SELECT ${COLUMNS} FROM stock WHERE sku = $1 FOR UPDATE`, [sku]);
  return toLevel(rows[0]!);
}

/** writeOnHand sets on_hand of a SKU locked by lockLevel. */
export async function writeOnHand(q: Queryable, sku: string, onHand: bigint): Promise<StockLevel> {
  const { rows } = await q.query<StockRow>(`UPDATE stock SET on_hand = $2, update_time = now() WHERE sku = $1 RETURNING ${COLUMNS}`, [
    sku,
    onHand.toString(),
  ]);
  return toLevel(rows[0]!);
}

/**
 * holdUnits reserves quantity units of a SKU with one conditional UPDATE, or
 * returns undefined if fewer are available (or the SKU is unknown). The
 * check and the write are one statement: on PostgreSQL a concurrent holder
 * of the row makes it wait, then re-checks the condition on the row as that
 * holder left it (READ COMMITTED), so two reservations can never both take
 * the last unit.
 */
export async function holdUnits(q: Queryable, sku: string, quantity: bigint): Promise<StockLevel | undefined> {
  const { rows } = await q.query<StockRow>(
    `UPDATE stock SET reserved = reserved + $2, update_time = now()
      WHERE sku = $1 AND on_hand - reserved >= $2
      RETURNING ${COLUMNS}`,
    [sku, quantity.toString()],
  );
  return rows[0] && toLevel(rows[0]);
}

/** returnUnits gives quantity reserved units of a SKU back to available (release, expiry). */
export async function returnUnits(q: Queryable, sku: string, quantity: bigint): Promise<StockLevel> {
  const { rows } = await q.query<StockRow>(
    `UPDATE stock SET reserved = reserved - $2, update_time = now()
      WHERE sku = $1 AND reserved >= $2
      RETURNING ${COLUMNS}`,
    [sku, quantity.toString()],
  );
  return rows[0] ? toLevel(rows[0]) : brokenInvariant(sku, quantity, 'return');
}

/** sellUnits turns quantity reserved units of a SKU into sold ones: out of on_hand and reserved (commit). */
export async function sellUnits(q: Queryable, sku: string, quantity: bigint): Promise<StockLevel> {
  const { rows } = await q.query<StockRow>(
    `UPDATE stock SET on_hand = on_hand - $2, reserved = reserved - $2, sold = sold + $2, update_time = now()
      WHERE sku = $1 AND reserved >= $2
      RETURNING ${COLUMNS}`,
    [sku, quantity.toString()],
  );
  return rows[0] ? toLevel(rows[0]) : brokenInvariant(sku, quantity, 'sell');
}

/** unsellUnits puts quantity sold units of a SKU back on hand: on_hand grows, sold drops (return of a committed reservation). */
export async function unsellUnits(q: Queryable, sku: string, quantity: bigint): Promise<StockLevel> {
  const { rows } = await q.query<StockRow>(
    `UPDATE stock SET on_hand = on_hand + $2, sold = sold - $2, update_time = now()
      WHERE sku = $1 AND sold >= $2
      RETURNING ${COLUMNS}`,
    [sku, quantity.toString()],
  );
  return rows[0] ? toLevel(rows[0]) : brokenInvariant(sku, quantity, 'unsell', 'sold');
}

/** isStockEmpty tells whether no SKU has ever been counted (for demo data). */
export async function isStockEmpty(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM stock) AS any');
  return !rows[0]!.any;
}

/**
 * brokenInvariant fails the transaction when a reservation's units are not
 * reserved (or, for a return, not sold) on its SKU: that means the counts
 * were changed outside this service, and rolling back is safer than guessing.
 */
function brokenInvariant(sku: string, quantity: bigint, action: string, counter: 'reserved' | 'sold' = 'reserved'): never {
  throw new Error(`cannot ${action} ${quantity} units of ${sku}: fewer are ${counter} than the reservation holds`);
}
