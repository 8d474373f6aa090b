import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Database } from '@shop/kit';
import type { StockLevel } from './domain/types';
import { recordMovements } from './store/movement-repo';
import { isStockEmpty, lockLevel, writeOnHand } from './store/stock-repo';

/** demoFile is the part of demo/shop.json the inventory reads: each product's SKU and units on hand. */
const demoFile = z.object({
  products: z.array(
    z.object({
      sku: z.string().min(1),
      stock: z.number().int().min(0),
    }),
  ),
});

/**
 * seedDemoStock sets on_hand from each product's `stock` in the demo file,
 * but only into an empty stock table, so restarts and real data are left
 * alone. An advisory lock makes replicas starting together seed once.
 * It returns how many SKUs it seeded (0 when the table had stock).
 */
export async function seedDemoStock(db: Database, file: string): Promise<number> {
  const demo = demoFile.parse(JSON.parse(await readFile(file, 'utf8')));
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('shopmesh.inventory.seed'))`);
    if (!(await isStockEmpty(tx))) return 0;
    const seeded: StockLevel[] = [];
    for (const product of demo.products) {
      await lockLevel(tx, product.sku);
      seeded.push(await writeOnHand(tx, product.sku, BigInt(product.stock)));
    }
    await recordMovements(
      tx,
      seeded.map((after) => ({ kind: 'set', quantity: after.onHand, after, reason: 'demo data' })),
    );
    return seeded.length;
  });
}
