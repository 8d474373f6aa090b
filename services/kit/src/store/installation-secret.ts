import { randomBytes } from 'node:crypto';
import type { Queryable } from './types';

/**
 * installationSecret returns the secret called `name` of this installation
 * (this service's database), generating 32 random bytes the first time:
 * a secret nobody configured is then still unique to the installation and
 * stable across restarts and replicas, instead of a default every copy of
 * the code shares. Replicas racing on the first start agree on one value
 * (the first insert wins). The table is the kit's (kit_secrets), created
 * by migrate().
 */
export async function installationSecret(db: Queryable, name: string): Promise<string> {
  const fresh = randomBytes(32).toString('base64url');
  await db.query('INSERT INTO kit_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, fresh]);
  const { rows } = await db.query<{ value: string }>('SELECT value FROM kit_secrets WHERE name = $1', [name]);
  return rows[0]!.value;
}
