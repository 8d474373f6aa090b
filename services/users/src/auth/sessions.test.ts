import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { createPgliteDatabase, DomainError, loadMigrations, migrate, type Database } from '@shop/kit';
import { insertUser } from '../store/users-store';
import { createSessions, type Sessions } from './sessions';

const DAY = 86_400_000;

describe('refresh sessions', () => {
  let db: Database;
  let clock: number;
  let sessions: Sessions;
  const user = { id: randomUUID(), roles: ['customer' as const] };

  beforeAll(async () => {
    db = await createPgliteDatabase({});
    await migrate(db, await loadMigrations(path.join(__dirname, '..', '..', 'migrations')));
    clock = Date.UTC(2030, 0, 1);
    await insertUser(db, { id: user.id, email: 'ada@example.com', displayName: 'Ada', passwordHash: 'x', roles: user.roles, now: new Date(clock) });
    sessions = createSessions({
      db,
      log: pino({ level: 'silent' }),
      signer: { sign: async (u) => `access-for-${u.id}` },
      accessTtlMs: 900_000,
      refreshTtlMs: 30 * DAY,
      now: () => clock,
    });
  });
  afterAll(async () => {
    await db.close();
  });

  async function reason(call: Promise<unknown>): Promise<string> {
    const err = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    return (err as DomainError).reason;
  }

  it('renews the refresh lifetime on every rotation', async () => {
    const first = await sessions.start(user);
    clock += 29 * DAY;
    const second = await sessions.refresh(first.refreshToken);
    clock += 29 * DAY;
    // 58 days after login, but only 29 after the last refresh.
    await expect(sessions.refresh(second.refreshToken)).resolves.toMatchObject({ accessToken: `access-for-${user.id}` });
  });

  it('answers TOKEN_EXPIRED for a refresh token past its lifetime', async () => {
    const { refreshToken } = await sessions.start(user);
    clock += 30 * DAY;
    expect(await reason(sessions.refresh(refreshToken))).toBe('TOKEN_EXPIRED');
  });

  it('keeps answering REFRESH_TOKEN_REUSED for a reused token after its family was revoked', async () => {
    const first = await sessions.start(user);
    await sessions.refresh(first.refreshToken);
    expect(await reason(sessions.refresh(first.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(await reason(sessions.refresh(first.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
  });

  it('revokes every family of a user at once', async () => {
    const a = await sessions.start(user);
    const b = await sessions.start(user);
    expect(await sessions.revokeAll(user.id, 'password_changed')).toBeGreaterThanOrEqual(2);
    for (const t of [a, b]) expect(await reason(sessions.refresh(t.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it('stores refresh tokens only as hashes', async () => {
    const { refreshToken } = await sessions.start(user);
    const { rows } = await db.query<{ token_hash: string }>('SELECT token_hash FROM refresh_tokens');
    expect(rows.map((r) => r.token_hash)).not.toContain(refreshToken);
  });
});
