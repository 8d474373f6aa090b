import { createHmac } from 'node:crypto';
import type { Client } from 'pg';

const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** rolePassword derives a database role's password from the server's secret, so none is stored but the secret. */
export function rolePassword(secret: string, role: string): string {
  return createHmac('sha256', secret).update(`role:${role}`).digest('hex');
}

/**
 * provisionDatabases gives each name a login role and a database it owns,
 * open to that role only (CONNECT is revoked from PUBLIC): a database per
 * service, as in production. Existing ones are kept; the role's password is
 * set again, so it always matches the secret.
 */
export async function provisionDatabases(client: Client, secret: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (!NAME.test(name)) throw new TypeError(`database name ${JSON.stringify(name)} must be lower-case letters, digits and underscores`);
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
    // Identifiers are checked above; the password is hex. DDL takes no parameters.
    await client.query(`${role.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE "${name}" LOGIN PASSWORD '${rolePassword(secret, name)}'`);
    const database = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (database.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}" OWNER "${name}"`);
      await client.query(`REVOKE ALL ON DATABASE "${name}" FROM PUBLIC`);
    }
  }
}
