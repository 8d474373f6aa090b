import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Database, Queryable } from '@shop/kit';
import type { Credentials } from './auth/credentials';
import { checkRegistration } from './domain/registration';
import { ADMIN_ROLES, toUserRoles } from './domain/roles';
import { appendUserEvents, registeredEvent } from './domain/user-events';
import { hasAdmin, hasAnyUser, findUserByEmail, insertUser, setRoles } from './store/users-store';

const demoFile = z.object({
  users: z
    .array(
      z.object({
        email: z.string(),
        password: z.string(),
        displayName: z.string(),
        roles: z.array(z.enum(['admin', 'customer'])).min(1),
      }),
    )
    .default([]),
});

/** lockBootstrap serialises start-up seeding across replicas until the transaction ends. */
async function lockBootstrap(tx: Queryable): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('shopmesh.users'), hashtext('bootstrap'))`);
}

/** SeedDeps are what the start-up seeding needs. */
export interface SeedDeps {
  db: Database;
  log: Logger;
  credentials: Credentials;
  now: () => number;
}

/**
 * seedDemoUsers loads the `users` of the demo data file (DEMO_DATA) when the
 * user table is empty. Replicas starting together seed once: the emptiness
 * is checked again under an advisory lock.
 */
export async function seedDemoUsers(deps: SeedDeps, path: string): Promise<void> {
  const { db, log, credentials, now } = deps;
  if (await hasAnyUser(db)) return;
  const parsed = demoFile.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new Error(`DEMO_DATA ${path} has no valid users list: ${parsed.error.message}`);
  const users = await Promise.all(
    parsed.data.users.map(async (u) => {
      const { registration, violations } = checkRegistration(u);
      if (violations.length > 0) throw new Error(`DEMO_DATA user ${u.email}: ${violations.map((v) => `${v.field} ${v.description}`).join('; ')}`);
      return { ...registration, passwordHash: await credentials.hash(registration.password), roles: toUserRoles(u.roles) };
    }),
  );
  const seeded = await db.transaction(async (tx) => {
    await lockBootstrap(tx);
    if (await hasAnyUser(tx)) return 0;
    const at = new Date(now());
    for (const u of users) {
      const created = await insertUser(tx, { id: randomUUID(), email: u.email, displayName: u.displayName, passwordHash: u.passwordHash, roles: u.roles, now: at });
      if (created) await appendUserEvents(tx, [registeredEvent(created)]);
    }
    return users.length;
  });
  if (seeded > 0) log.info({ users: seeded }, 'demo users loaded');
}

/** AdminSettings are ADMIN_EMAIL, ADMIN_PASSWORD and ADMIN_DISPLAY_NAME. */
export interface AdminSettings {
  email: string;
  password?: string;
  displayName: string;
}

/**
 * bootstrapAdmin makes sure an admin exists when ADMIN_EMAIL is configured:
 * if no account holds the admin role, the ADMIN_EMAIL account is promoted,
 * or created with ADMIN_PASSWORD when it does not exist. Once an admin
 * exists it changes nothing, so the settings can stay in place. This is the
 * only way to get the first admin: no public call grants the role.
 */
export async function bootstrapAdmin(deps: SeedDeps, settings: AdminSettings): Promise<void> {
  const { db, log, credentials, now } = deps;
  // Checked as a registration; without ADMIN_PASSWORD only an existing account can be promoted, so no password is checked.
  const checked = checkRegistration({ email: settings.email, password: settings.password ?? '', displayName: settings.displayName });
  const variable = { email: 'ADMIN_EMAIL', password: 'ADMIN_PASSWORD', display_name: 'ADMIN_DISPLAY_NAME' } as Record<string, string>;
  const problems = checked.violations.filter((v) => settings.password !== undefined || v.field !== 'password').map((v) => `${variable[v.field] ?? v.field} ${v.description}`);
  const { email, displayName } = checked.registration;
  const password = settings.password === undefined ? undefined : checked.registration.password;
  if (problems.length > 0) throw new Error(`invalid admin configuration: ${problems.join('; ')}`);
  if (await hasAdmin(db)) return;
  const passwordHash = password === undefined ? undefined : await credentials.hash(password);
  const outcome = await db.transaction(async (tx): Promise<'exists' | 'promoted' | 'created' | 'missing'> => {
    await lockBootstrap(tx);
    if (await hasAdmin(tx)) return 'exists';
    const at = new Date(now());
    const existing = await findUserByEmail(tx, email);
    if (existing) {
      await setRoles(tx, existing.id, ADMIN_ROLES, at);
      return 'promoted';
    }
    if (passwordHash === undefined) return 'missing';
    const created = await insertUser(tx, { id: randomUUID(), email, displayName, passwordHash, roles: ADMIN_ROLES, now: at });
    if (created) await appendUserEvents(tx, [registeredEvent(created)]);
    return 'created';
  });
  if (outcome === 'promoted') log.info({ email }, 'existing account promoted to admin (ADMIN_EMAIL)');
  if (outcome === 'created') log.info({ email }, 'admin account created (ADMIN_EMAIL)');
  if (outcome === 'missing') {
    log.warn({ email }, 'no admin exists and the ADMIN_EMAIL account does not: register it and restart, or set ADMIN_PASSWORD');
  }
}
