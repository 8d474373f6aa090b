import type { FieldViolation } from '@shop/kit';

/** UpdatableField is a User field UpdateCurrentUser may write. */
export type UpdatableField = 'display_name';

const UPDATABLE: ReadonlySet<string> = new Set<UpdatableField>(['display_name']);
const READ_ONLY: ReadonlySet<string> = new Set(['id', 'email', 'roles', 'create_time', 'update_time']);

/**
 * parseUpdateMask checks UpdateCurrentUser's update_mask: every path must
 * name a field the caller may change ("*" means all of them). Unknown paths
 * and immutable or output-only fields are violations naming the path.
 */
export function parseUpdateMask(paths: readonly string[] | undefined): { fields: Set<UpdatableField>; violations: FieldViolation[] } {
  const fields = new Set<UpdatableField>();
  const violations: FieldViolation[] = [];
  if (paths === undefined || paths.length === 0) {
    violations.push({ field: 'update_mask', description: 'must name the fields to change, for example "display_name"' });
    return { fields, violations };
  }
  paths.forEach((path, index) => {
    const field = `update_mask.paths[${index}]`;
    if (path === '*') UPDATABLE.forEach((f) => fields.add(f as UpdatableField));
    else if (UPDATABLE.has(path)) fields.add(path as UpdatableField);
    else if (READ_ONLY.has(path)) violations.push({ field, description: `"${path}" cannot be changed; only "display_name" may be updated` });
    else violations.push({ field, description: `"${path}" is not a field of User; only "display_name" may be updated` });
  });
  return { fields, violations };
}
