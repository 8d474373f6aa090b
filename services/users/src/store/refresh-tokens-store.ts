import type { Queryable } from '@shop/kit';

/** RevokeReason records why a token family was revoked. */
export type RevokeReason = 'logout' | 'reuse' | 'password_changed' | 'deleted';

/** createFamily starts a token family for one login. */
export async function createFamily(q: Queryable, family: { id: string; userId: string; now: Date }): Promise<void> {
  await q.query('INSERT INTO refresh_token_families (id, user_id, create_time) VALUES ($1, $2, $3)', [family.id, family.userId, family.now]);
}

/** NewRefreshToken is what insertRefreshToken writes; only the hash of the token is stored. */
export interface NewRefreshToken {
  tokenHash: string;
  familyId: string;
  parentHash: string | null;
  userId: string;
  issueTime: Date;
  expireTime: Date;
}

/** insertRefreshToken stores a new refresh token (its hash). */
export async function insertRefreshToken(q: Queryable, token: NewRefreshToken): Promise<void> {
  await q.query(
    `INSERT INTO refresh_tokens (token_hash, family_id, parent_hash, user_id, issue_time, expire_time)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [token.tokenHash, token.familyId, token.parentHash, token.userId, token.issueTime, token.expireTime],
  );
}

/**
 * claimRefreshToken marks a token used, if and only if it is unused,
 * unexpired and its family is not revoked, in one conditional UPDATE: of
 * two concurrent claims of one token, the second waits on the row lock,
 * re-checks `used_time IS NULL` and claims nothing.
 */
export async function claimRefreshToken(q: Queryable, tokenHash: string, now: Date): Promise<{ familyId: string; userId: string } | undefined> {
  const { rows } = await q.query<{ family_id: string; user_id: string }>(
    `UPDATE refresh_tokens t SET used_time = $2
     FROM refresh_token_families f
     WHERE t.token_hash = $1 AND t.used_time IS NULL AND t.expire_time > $2
       AND f.id = t.family_id AND f.revoke_time IS NULL
     RETURNING t.family_id, t.user_id`,
    [tokenHash, now],
  );
  const row = rows[0];
  return row && { familyId: row.family_id, userId: row.user_id };
}

/** StoredRefreshToken is what is known about a presented token that could not be claimed. */
export interface StoredRefreshToken {
  familyId: string;
  userId: string;
  usedTime: Date | null;
  expireTime: Date;
  familyRevoked: boolean;
}

/** findRefreshToken looks a token up by its hash. */
export async function findRefreshToken(q: Queryable, tokenHash: string): Promise<StoredRefreshToken | undefined> {
  const { rows } = await q.query<{ family_id: string; user_id: string; used_time: Date | null; expire_time: Date; revoke_time: Date | null }>(
    `SELECT t.family_id, t.user_id, t.used_time, t.expire_time, f.revoke_time
     FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id
     WHERE t.token_hash = $1`,
    [tokenHash],
  );
  const row = rows[0];
  return (
    row && { familyId: row.family_id, userId: row.user_id, usedTime: row.used_time, expireTime: row.expire_time, familyRevoked: row.revoke_time !== null }
  );
}

// Each revoke* returns the ids of the families it revoked (those still live), so the caller can list them as revoked sessions.

/** revokeFamily revokes every token of a family; revoking it again changes nothing. */
export async function revokeFamily(q: Queryable, familyId: string, reason: RevokeReason, now: Date): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    'UPDATE refresh_token_families SET revoke_time = $2, revoke_reason = $3 WHERE id = $1 AND revoke_time IS NULL RETURNING id::text AS id',
    [familyId, now, reason],
  );
  return rows.map((r) => r.id);
}

/** revokeFamilyOfToken revokes the family a token belongs to; unknown tokens change nothing. */
export async function revokeFamilyOfToken(q: Queryable, tokenHash: string, reason: RevokeReason, now: Date): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE refresh_token_families SET revoke_time = $2, revoke_reason = $3
     WHERE id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) AND revoke_time IS NULL
     RETURNING id::text AS id`,
    [tokenHash, now, reason],
  );
  return rows.map((r) => r.id);
}

/** revokeUserFamilies revokes every live token family of a user. */
export async function revokeUserFamilies(q: Queryable, userId: string, reason: RevokeReason, now: Date): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    'UPDATE refresh_token_families SET revoke_time = $2, revoke_reason = $3 WHERE user_id = $1 AND revoke_time IS NULL RETURNING id::text AS id',
    [userId, now, reason],
  );
  return rows.map((r) => r.id);
}

/**
 * pruneRefreshTokens deletes tokens that expired before `before` and the
 * families left without tokens. Expired tokens are refused anyway; keeping
 * them until then is what lets a reused token be recognised.
 */
export async function pruneRefreshTokens(q: Queryable, before: Date): Promise<number> {
  const { rowCount } = await q.query('DELETE FROM refresh_tokens WHERE expire_time < $1', [before]);
  await q.query(
    `DELETE FROM refresh_token_families f
     WHERE f.create_time < $1 AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.id)`,
    [before],
  );
  return rowCount;
}
