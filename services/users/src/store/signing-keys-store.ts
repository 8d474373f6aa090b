import type { JWK } from 'jose';
import type { Queryable } from '@shop/kit';

/** StoredKey is one row of signing_keys. */
export interface StoredKey {
  kid: string;
  /** privateJwk is the private JWK as JSON (possibly sealed), or null for a key held in a secret store. */
  privateJwk: string | null;
  publicJwk: JWK;
  createdAt: Date;
  activateAt: Date;
  notAfterSigning: Date | null;
  retireAt: Date | null;
}

interface KeyRow {
  kid: string;
  private_jwk: string | null;
  public_jwk: JWK;
  created_at: Date;
  activate_at: Date;
  not_after_signing: Date | null;
  retire_at: Date | null;
}

/**
 * lockSigningKeys serialises key changes across replicas until the
 * transaction ends, so two replicas that both find a rotation due create
 * one key, not two.
 */
export async function lockSigningKeys(tx: Queryable): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('shopmesh.users'), hashtext('signing_keys'))`);
}

/** listSigningKeys returns every key in the table. */
export async function listSigningKeys(q: Queryable): Promise<StoredKey[]> {
  const { rows } = await q.query<KeyRow>(
    'SELECT kid, private_jwk, public_jwk, created_at, activate_at, not_after_signing, retire_at FROM signing_keys ORDER BY created_at',
  );
  return rows.map((r) => ({
    kid: r.kid,
    privateJwk: r.private_jwk,
    publicJwk: r.public_jwk,
    createdAt: r.created_at,
    activateAt: r.activate_at,
    notAfterSigning: r.not_after_signing,
    retireAt: r.retire_at,
  }));
}

/** insertSigningKey adds a key unless one with the same kid exists. */
export async function insertSigningKey(q: Queryable, key: Omit<StoredKey, 'notAfterSigning' | 'retireAt'>): Promise<void> {
  await q.query(
    `INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at, activate_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kid) DO NOTHING`,
    [key.kid, key.privateJwk, JSON.stringify(key.publicJwk), key.createdAt, key.activateAt],
  );
}

/** supersedeSigningKey records when a key stops signing and leaves the key set; a key already superseded keeps its times. */
export async function supersedeSigningKey(q: Queryable, kid: string, notAfterSigning: Date, retireAt: Date): Promise<void> {
  await q.query('UPDATE signing_keys SET not_after_signing = $2, retire_at = $3 WHERE kid = $1 AND not_after_signing IS NULL', [
    kid,
    notAfterSigning,
    retireAt,
  ]);
}

/** extendSigningKeyRetirement moves a key's retirement later (never earlier). */
export async function extendSigningKeyRetirement(q: Queryable, kid: string, retireAt: Date): Promise<void> {
  await q.query('UPDATE signing_keys SET retire_at = GREATEST(retire_at, $2) WHERE kid = $1 AND retire_at IS NOT NULL', [kid, retireAt]);
}

/** deleteRetiredSigningKeys removes keys whose retirement has passed, private halves included. */
export async function deleteRetiredSigningKeys(q: Queryable, now: Date): Promise<number> {
  const { rowCount } = await q.query('DELETE FROM signing_keys WHERE retire_at IS NOT NULL AND retire_at <= $1', [now]);
  return rowCount;
}
