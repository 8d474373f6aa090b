import type { FieldViolation } from '@shop/kit';

/** UPDATABLE_PATHS are the update_mask paths UpdateProduct accepts. */
export const UPDATABLE_PATHS = ['name', 'description', 'price', 'category', 'image_url'] as const;

/** UpdatablePath is one of UPDATABLE_PATHS. */
export type UpdatablePath = (typeof UPDATABLE_PATHS)[number];

const IMMUTABLE = new Map<string, string>([
  ['id', 'identifies the product and cannot be changed'],
  ['sku', 'is immutable: create a new product for a new SKU'],
  ['version', 'is set by the server'],
  ['create_time', 'is set by the server'],
  ['update_time', 'is set by the server'],
]);

const isUpdatable = (path: string): path is UpdatablePath => (UPDATABLE_PATHS as readonly string[]).includes(path);

/**
 * parseUpdateMask checks UpdateProduct's update_mask and returns its paths
 * without duplicates, in mask order. Paths name whole fields: "price" replaces
 * both parts of the price (sub-paths such as "price.amount_minor" are
 * refused, so a currency can never be changed apart from its amount by
 * accident). An empty or missing mask is refused rather than read as "every
 * field", so a client that forgets the mask cannot wipe a product.
 */
export function parseUpdateMask(paths: readonly string[] | undefined): { paths: UpdatablePath[]; violations: FieldViolation[] } {
  if (paths === undefined || paths.length === 0) {
    return { paths: [], violations: [{ field: 'update_mask', description: `must name at least one of ${UPDATABLE_PATHS.join(', ')}` }] };
  }
  const out: UpdatablePath[] = [];
  const violations: FieldViolation[] = [];
  paths.forEach((path, i) => {
    const field = `update_mask.paths[${i}]`;
    if (isUpdatable(path)) {
      if (!out.includes(path)) out.push(path);
    } else if (IMMUTABLE.has(path)) {
      violations.push({ field, description: `"${path}" ${IMMUTABLE.get(path)}` });
    } else if (path.startsWith('price.')) {
      violations.push({ field, description: `"${path}": update the price as a whole with the path "price"` });
    } else {
      violations.push({ field, description: `"${path}" is not a field that can be updated; use ${UPDATABLE_PATHS.join(', ')}` });
    }
  });
  return { paths: out, violations };
}
