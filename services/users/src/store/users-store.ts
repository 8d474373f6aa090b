import type { Queryable } from '@shop/kit';
import { toUserRoles, type UserRole } from '../domain/roles';

/** UserRecord is one row of the users table. */
export interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  roles: UserRole[];
  createTime: Date;
  updateTime: Date;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  password_hash: string;
  roles: string[];
  create_time: Date;
  update_time: Date;
}

// The lockout columns of migration 0001 (failed_login_count, first_failed_login_at,
// locked_until) are no longer read: the throttle keeps its own table. They stay
// for the previous release, which still uses them; a later release may drop them.
const COLUMNS = 'id, email, display_name, password_hash, roles, create_time, update_time';

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    roles: toUserRoles(row.roles),
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

/** NewUser is what insertUser writes. */
export interface NewUser {
  id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  roles: readonly UserRole[];
  now: Date;
}

/** insertUser adds an account, or returns undefined when the email is taken. */
export async function insertUser(q: Queryable, user: NewUser): Promise<UserRecord | undefined> {
  const { rows } = await q.query<UserRow>(
    `INSERT INTO users (id, email, display_name, password_hash, roles, create_time, update_time)
     VALUES ($1, $2, $3, $4, $5, $6, $6)
     ON CONFLICT (email) DO NOTHING
     RETURNING ${COLUMNS}`,
    [user.id, user.email, user.displayName, user.passwordHash, [...user.roles], user.now],
  );
  return rows[0] && toRecord(rows[0]);
}

/** findUserById returns an account by id; forUpdate locks the row until the transaction ends. */
export async function findUserById(q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<UserRecord | undefined> {
  const { rows } = await q.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] && toRecord(rows[0]);
}

/** findUserByEmail returns an account by its normalised email. */
export async function findUserByEmail(q: Queryable, email: string): Promise<UserRecord | undefined> {
  const { rows } = await q.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE email = $1`, [email]);
  return rows[0] && toRecord(rows[0]);
}

/** updateDisplayName changes an account's display name and returns the account, or undefined when it is gone. */
export async function updateDisplayName(q: Queryable, id: string, displayName: string, now: Date): Promise<UserRecord | undefined> {
  const { rows } = await q.query<UserRow>(
    `UPDATE users SET display_name = $2, update_time = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, displayName, now],
  );
  return rows[0] && toRecord(rows[0]);
}

/** replacePasswordHash sets a new password's hash (a change the user made: update_time moves). */
export async function replacePasswordHash(q: Queryable, id: string, passwordHash: string, now: Date): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE users SET password_hash = $2, update_time = $3 WHERE id = $1', [id, passwordHash, now]);
  return rowCount > 0;
}

/**
 * upgradePasswordHash swaps a hash for one of the same password with newer
 * parameters, only if the stored hash is still the one that was verified
 * (a password changed meanwhile must not be overwritten).
 */
export async function upgradePasswordHash(q: Queryable, id: string, verifiedHash: string, upgradedHash: string): Promise<void> {
  await q.query('UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [id, verifiedHash, upgradedHash]);
}

/** setRoles replaces an account's roles. */
export async function setRoles(q: Queryable, id: string, roles: readonly UserRole[], now: Date): Promise<void> {
  await q.query('UPDATE users SET roles = $2, update_time = $3 WHERE id = $1', [id, [...roles], now]);
}

/** deleteUser removes an account (its refresh tokens go with it); false when it was already gone. */
export async function deleteUser(q: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM users WHERE id = $1', [id]);
  return rowCount > 0;
}

/** hasAnyUser tells whether the user table has a row. */
export async function hasAnyUser(q: Queryable): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM users LIMIT 1');
  return rows.length > 0;
}

/** hasAdmin tells whether some account holds the admin role. */
export async function hasAdmin(q: Queryable): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM users WHERE roles @> ARRAY['admin']::text[] LIMIT 1`);
  return rows.length > 0;
}

/** escapeLike makes text match itself literally in a LIKE pattern (with the default escape character). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** ListQuery selects one page of accounts, newest first. */
export interface ListQuery {
  limit: number;
  emailPrefix: string;
  /** after is the (create_time, id) of the last account of the previous page. */
  after?: { createTime: Date; id: string };
}

/** listUsers returns up to limit accounts, newest first, after the cursor. */
export async function listUsers(q: Queryable, query: ListQuery): Promise<UserRecord[]> {
  const params: unknown[] = [query.limit];
  const where: string[] = [];
  if (query.emailPrefix !== '') {
    params.push(`${escapeLike(query.emailPrefix)}%`);
    where.push(`email LIKE $${params.length}`);
  }
  if (query.after) {
    params.push(query.after.createTime, query.after.id);
    where.push(`(create_time, id) < ($${params.length - 1}, $${params.length}::uuid)`);
  }
  const { rows } = await q.query<UserRow>(
    `SELECT ${COLUMNS} FROM users ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY create_time DESC, id DESC LIMIT $1`,
    params,
  );
  return rows.map(toRecord);
}
