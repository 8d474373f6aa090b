import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { createPgliteDatabase, DomainError, loadMigrations, migrate, type Database } from '@shop/kit';
import { readRevokedSessions } from '../store/revoked-sessions-store';
import { insertUser } from '../store/users-store';
import { createSessions, type Sessions } from './sessions';

const DAY = 86_400_000;

describe('refresh sessions', () => {
  let db: Database;
  let clock: number;
  let sessions: Sessions;
  let notified = 0;
  const user = { id: randomUUID(), roles: ['customer' as const] };

  beforeAll(async () => {
    db = await createPgliteDatabase({});
    await migrate(db, await loadMigrations(path.join(__dirname, '..', '..', 'migrations')));
    clock = Date.UTC(2030, 0, 1);
    await insertUser(db, { id: user.id, email: 'ada@example.com', displayName: 'Ada', passwordHash: 'x', roles: user.roles, now: new Date(clock) });
    sessions = createSessions({
      db,
      log: pino({ level: 'silent' }),
      signer: { sign: async (u, sid) => `access-for-${u.id}-in-${sid}` },
      accessTtlMs: 900_000,
      refreshTtlMs: 30 * DAY,
      now: () => clock,
      onRevoked: () => void (notified += 1),
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
    await expect(sessions.refresh(second.refreshToken)).resolves.toMatchObject({ accessToken: expect.stringContaining(`access-for-${user.id}-in-`) });
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
    expect(await db.transaction((tx) => sessions.revokeAll(user.id, 'password_changed', tx))).toBeGreaterThanOrEqual(2);
    for (const t of [a, b]) expect(await reason(sessions.refresh(t.refreshToken))).toBe('UNAUTHENTICATED');
    const listed = await revokedSince(clock);
    for (const t of [a, b]) expect(listed).toContain(sessionOf(t.accessToken));
  });

  /** sessionOf reads the session id the stand-in signer put in an access token. */
  const sessionOf = (accessToken: string) => accessToken.split('-in-')[1]!;

  /** revokedSince lists the sessions revoked at `at` or later that are still in force. */
  async function revokedSince(at: number): Promise<string[]> {
    const { rows } = await db.query<{ session_id: string }>('SELECT session_id::text AS session_id FROM revoked_sessions WHERE revoke_time >= $1', [new Date(at)]);
    return rows.map((r) => r.session_id);
  }

  it('signs every access token of a login with its session, through every refresh', async () => {
    const first = await sessions.start(user);
    const second = await sessions.refresh(first.refreshToken);
    expect(sessionOf(second.accessToken)).toBe(sessionOf(first.accessToken));
    expect(sessionOf((await sessions.start(user)).accessToken)).not.toBe(sessionOf(first.accessToken));
  });

  it('lists a logged-out session as revoked until its last access token has expired, and says so', async () => {
    clock += DAY;
    const { accessToken, refreshToken } = await sessions.start(user);
    const before = notified;
    await sessions.logout(refreshToken);
    expect(notified).toBe(before + 1);
    expect(await revokedSince(clock)).toEqual([sessionOf(accessToken)]);
    const { rows } = await readRevokedSessions(db, '0', 1000, new Date(clock + 900_000));
    expect(rows.map((r) => r.sessionId)).toContain(sessionOf(accessToken));
    // Past the access token lifetime and the verifiers' margin, the entry is no longer served.
    const later = await readRevokedSessions(db, '0', 1000, new Date(clock + 900_000 + 60_000));
    expect(later.rows.map((r) => r.sessionId)).not.toContain(sessionOf(accessToken));
    // Logging out again lists nothing more and wakes nobody.
    await sessions.logout(refreshToken);
    expect(notified).toBe(before + 1);
  });

  it('lists the session of a reused refresh token as revoked', async () => {
    clock += DAY;
    const first = await sessions.start(user);
    await sessions.refresh(first.refreshToken);
    expect(await reason(sessions.refresh(first.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(await revokedSince(clock)).toEqual([sessionOf(first.accessToken)]);
  });

  it('stores refresh tokens only as hashes', async () => {
    const { refreshToken } = await sessions.start(user);
    const { rows } = await db.query<{ token_hash: string }>('SELECT token_hash FROM refresh_tokens');
    expect(rows.map((r) => r.token_hash)).not.toContain(refreshToken);
  });
});
