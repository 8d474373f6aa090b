import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { fromJson, type DescMessage } from '@bufbuild/protobuf';
import { createContractRules, DomainError, sharedContract, type Database } from '@shop/kit';
import { isUuid } from './domain/product-id';
import type { ProductFields } from './domain/types';
import { validateCreate } from './domain/write-requests';
import { hasProducts, insertProduct } from './store/products';

/** DemoProduct is a product of the demo data file, with its fixed id. */
export interface DemoProduct {
  id: string;
  fields: ProductFields;
}

// Only the products are read; `stock` belongs to inventory and other keys
// (users) to other services.
const demoFile = z.object({
  products: z
    .array(
      z.object({
        id: z.string().refine(isUuid, 'must be a UUID'),
        sku: z.string(),
        name: z.string(),
        description: z.string().default(''),
        price: z.object({ currencyCode: z.string(), amountMinor: z.union([z.string(), z.number().int()]).transform(String) }),
        category: z.string().default(''),
        imageUrl: z.string().default(''),
      }),
    )
    .default([]),
});

/**
 * loadDemoProducts reads the products of a demo data file (demo/shop.json)
 * and checks each as a CreateProduct request would be: by the contract's
 * rules and the catalog's own, so a bad file stops the start-up with the
 * product and field named instead of seeding bad data.
 */
export async function loadDemoProducts(path: string): Promise<DemoProduct[]> {
  const parsed = demoFile.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new Error(`DEMO_DATA ${path}: ${z.prettifyError(parsed.error)}`);
  const { registry } = sharedContract();
  const rules = createContractRules(registry);
  const desc = registry.getMessage('shop.catalog.v1.CreateProductRequest') as DescMessage;
  return parsed.data.products.map((p, i) => {
    const { id, ...product } = p;
    const broken = rules.check(desc, fromJson(desc, { product }, { registry }));
    if (broken.length > 0) throw new Error(`DEMO_DATA ${path}: products[${i}] (${p.sku}): ${broken.map((v) => `${v.field}: ${v.description}`).join('; ')}`);
    try {
      const { fields } = validateCreate({
        // The contract's rules just held amountMinor to an int64.
        product: { ...product, price: { ...product.price, amountMinor: BigInt(product.price.amountMinor) }, id: '', createTime: undefined, updateTime: undefined, version: 0n },
        requestId: '',
      });
      return { id: id.toLowerCase(), fields };
    } catch (err) {
      if (err instanceof DomainError) throw new Error(`DEMO_DATA ${path}: products[${i}] (${p.sku}): ${err.message}`);
      throw err;
    }
  });
}

/**
 * seedDemoProducts inserts products when the catalog is empty and returns
 * how many it inserted (0 when there were products already). Replicas that
 * start together serialise on an advisory lock, so only the first seeds.
 */
export async function seedDemoProducts(db: Database, products: readonly DemoProduct[]): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('shopmesh.catalog.seed'))");
    if (await hasProducts(tx)) return 0;
    let inserted = 0;
    // One at a time, in file order, so seq (the "create_time" order) follows the file.
    for (const p of products) {
      if (await insertProduct(tx, p.id, p.fields, { ignoreExistingId: true })) inserted += 1;
    }
    return inserted;
  });
}
