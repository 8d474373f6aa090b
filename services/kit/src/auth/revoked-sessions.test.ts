import pino from 'pino';
import { DomainError } from '../errors/domain-error';
import type { UserPrincipal } from '../context/principal';
import { createPublishedSignal } from '../events/published-signal';
import { createRevokedSessions, refuseRevokedSessions, type RevocationSource, type RevokedSessions } from './revoked-sessions';
import { cacheVerifiedTokens } from './verified-token-cache';

const log = pino({ level: 'silent' });

/** fakeUsers is a users service's list: revoke() adds to it and wakes waiting reads, as ListRevokedSessions does. */
function fakeUsers() {
  const list: Array<{ sessionId: string; expireTime: number }> = [];
  const changed = createPublishedSignal();
  const calls: Array<{ after: string; maxWaitMs: number }> = [];
  let failing = false;
  const source: RevocationSource = async (after, maxWaitMs, signal) => {
    calls.push({ after, maxWaitMs });
    if (failing) throw new Error('connect ECONNREFUSED users:50051');
    if (Number(after) >= list.length) await changed.wait(changed.version, maxWaitMs, signal);
    return { sessions: list.slice(Number(after)), position: String(list.length) };
  };
  return {
    source,
    calls,
    fail: (on: boolean) => void (failing = on),
    revoke(sessionId: string, expireTime = Date.now() + 60_000) {
      list.push({ sessionId, expireTime });
      changed.notify();
    },
  };
}

async function eventually(check: () => void, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

describe('createRevokedSessions', () => {
  const running: RevokedSessions[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop()));
  });
  function start(source: RevocationSource, waitMs = 5_000): RevokedSessions {
    const sessions = createRevokedSessions({ source, log, waitMs, maxRetryDelayMs: 50 });
    sessions.start();
    running.push(sessions);
    return sessions;
  }

  it('loads the whole list at start without waiting, then hears of each revocation as it is made', async () => {
    const users = fakeUsers();
    users.revoke('s-1');
    const sessions = start(users.source);
    expect(await sessions.ready(1_000)).toBe(true);
    expect(users.calls[0]).toEqual({ after: '0', maxWaitMs: 0 });
    expect(sessions.isRevoked('s-1')).toBe(true);
    expect(sessions.isRevoked('s-2')).toBe(false);

    await eventually(() => expect(users.calls.at(-1)).toEqual({ after: '1', maxWaitMs: 5_000 }));
    const asked = users.calls.length;
    users.revoke('s-2');
    await eventually(() => expect(sessions.isRevoked('s-2')).toBe(true), 500);
    // The long poll, not a poll loop: one more call for one revocation (and the next wait).
    expect(users.calls.length).toBeLessThanOrEqual(asked + 2);
  });

  it('forgets an entry once its expiry has passed', async () => {
    const users = fakeUsers();
    users.revoke('old', Date.now() - 1);
    users.revoke('new');
    const sessions = start(users.source);
    await sessions.ready(1_000);
    expect(sessions.isRevoked('old')).toBe(false);
    expect(sessions.isRevoked('new')).toBe(true);
    expect(sessions.size).toBe(1);
  });

  it('retries a failing source with backoff and is not ready until it has loaded once', async () => {
    const users = fakeUsers();
    users.fail(true);
    const sessions = start(users.source);
    expect(await sessions.ready(150)).toBe(false);
    expect(sessions.loaded).toBe(false);
    expect(users.calls.length).toBeGreaterThan(1);
    users.revoke('s-1');
    users.fail(false);
    expect(await sessions.ready(1_000)).toBe(true);
    expect(sessions.isRevoked('s-1')).toBe(true);
  });

  it('asks at least twice a second until the first load, however long the backoff may grow later (start-up while users comes up)', async () => {
    const users = fakeUsers();
    users.fail(true);
    const sessions = createRevokedSessions({ source: users.source, log, waitMs: 5_000, maxRetryDelayMs: 5_000 });
    sessions.start();
    running.push(sessions);
    await new Promise((r) => setTimeout(r, 2_500));
    // Pauses of 250, 500, then 500 ms at most (less a fifth of jitter): six calls or more. An uncapped backoff makes four.
    expect(users.calls.length).toBeGreaterThanOrEqual(6);
  });

  it('keeps the list it has while the source is down', async () => {
    const users = fakeUsers();
    users.revoke('s-1');
    const sessions = start(users.source, 20);
    await sessions.ready(1_000);
    users.fail(true);
    await eventually(() => expect(users.calls.length).toBeGreaterThan(4));
    expect(sessions.isRevoked('s-1')).toBe(true);
  });
});

describe('refuseRevokedSessions', () => {
  const user = (sessionId: string): UserPrincipal => ({ kind: 'user', userId: 'u-1', sessionId, roles: ['customer'], token: `t-${sessionId}`, expiresAt: Date.now() + 60_000 });

  async function setup(loaded = true) {
    const users = fakeUsers();
    const sessions = createRevokedSessions({ source: users.source, log, waitMs: 5_000 });
    if (loaded) {
      sessions.start();
      await sessions.ready(1_000);
    }
    let verified = 0;
    const verifier = refuseRevokedSessions(
      cacheVerifiedTokens({
        verify: async (token: string) => {
          verified += 1;
          return user(token.slice(2));
        },
      }),
      sessions,
    );
    return { users, sessions, verifier, verified: () => verified };
  }

  async function failure(p: Promise<unknown>): Promise<DomainError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }

  it('refuses a token of a revoked session, also when the verdict was cached before the revocation', async () => {
    const { users, sessions, verifier } = await setup();
    try {
      await expect(verifier.verify('t-s-1')).resolves.toMatchObject({ sessionId: 's-1' });
      expect(verifier.lookup('t-s-1')).toMatchObject({ sessionId: 's-1' });

      users.revoke('s-1');
      await eventually(() => expect(sessions.isRevoked('s-1')).toBe(true), 500);

      expect(verifier.lookup('t-s-1')).toBeUndefined();
      const err = await failure(verifier.verify('t-s-1'));
      expect(err.code).toBe(16); // UNAUTHENTICATED
      expect(err.reason).toBe('SESSION_REVOKED');
      // Other sessions of the same user go on.
      await expect(verifier.verify('t-s-2')).resolves.toMatchObject({ sessionId: 's-2' });
    } finally {
      await sessions.stop();
    }
  });

  it('answers UNAVAILABLE, never a verdict, while the list has not been loaded', async () => {
    const { verifier, verified } = await setup(false);
    expect(verifier.lookup('t-s-1')).toBeUndefined();
    const err = await failure(verifier.verify('t-s-1'));
    expect(err.code).toBe(14); // UNAVAILABLE
    expect(err.reason).toBe('AUTH_KEYS_UNAVAILABLE');
    expect(verified()).toBe(0);
  }, 10_000);
});
