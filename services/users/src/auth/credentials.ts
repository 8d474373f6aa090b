import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '@shop/kit';
import { normalizeEmail } from '../domain/email';
import { recordFailure, waitRemainingMs, type LoginThrottlePolicy } from '../domain/login-throttle';
import { hashPassword, needsRehash, verifyPassword, type ScryptParams } from '../domain/password-hash';
import { clearFailures, lockFailures, saveFailures, type FailureKey } from '../store/login-failures-store';
import { findUserByEmail, findUserById, upgradePasswordHash, type UserRecord } from '../store/users-store';

/** PasswordCheck is the outcome of checking a password. */
export type PasswordCheck = { kind: 'ok'; user: UserRecord } | { kind: 'wrong' } | { kind: 'throttled'; retryAfterMs: number } | { kind: 'gone' };

/** CredentialsOptions configure createCredentials. */
export interface CredentialsOptions {
  db: Database;
  hashParams: ScryptParams;
  throttle: LoginThrottlePolicy;
  now: () => number;
}

/** Credentials hash new passwords and check presented ones under the login throttle. */
export interface Credentials {
  /** hash makes a stored hash of a new password with the current parameters. */
  hash(password: string): Promise<string>;
  /**
   * login checks an email and password from a client address. An unknown
   * email costs the same time, is throttled the same way and answers
   * `wrong`, like a wrong password.
   */
  login(email: string, password: string, address: string): Promise<Exclude<PasswordCheck, { kind: 'gone' }>>;
  /** confirm checks the password of the caller's own account (before a change or a deletion), throttled like a login. */
  confirm(userId: string, password: string, address: string): Promise<PasswordCheck>;
}

/** emailKey is what the throttle stores of an email: the SHA-256 of its normalized form. */
export function emailKey(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('hex');
}

/**
 * createCredentials checks passwords under the login throttle (see
 * domain/login-throttle.ts). Each attempt is counted as a failure before the
 * password is verified, in a transaction holding the (account, address)
 * row's lock, and forgotten when the password is right: so however many
 * attempts arrive at once, they are counted one by one and each one past the
 * free ones waits its turn.
 */
export async function createCredentials(options: CredentialsOptions): Promise<Credentials> {
  const { db, hashParams, throttle, now } = options;
  // A hash of a random password with the current parameters: verifying against it costs what a real check costs.
  const dummyHash = await hashPassword(randomBytes(16).toString('base64'), hashParams);

  async function attempt(key: FailureKey, user: UserRecord | undefined, password: string): Promise<Exclude<PasswordCheck, { kind: 'gone' }>> {
    const retryAfterMs = await db.transaction(async (tx) => {
      const at = now();
      const state = await lockFailures(tx, key, new Date(at));
      const wait = waitRemainingMs(state, at);
      if (wait > 0) return wait;
      await saveFailures(tx, key, recordFailure(state, at, throttle));
      return 0;
    });
    if (retryAfterMs > 0) return { kind: 'throttled', retryAfterMs };
    if (!user) {
      await verifyPassword(password, dummyHash);
      return { kind: 'wrong' };
    }
    if (!(await verifyPassword(password, user.passwordHash))) return { kind: 'wrong' };
    await clearFailures(db, key);
    if (needsRehash(user.passwordHash, hashParams)) {
      // The parameters were raised since this hash was made: upgrade it while the password is at hand.
      await upgradePasswordHash(db, user.id, user.passwordHash, await hashPassword(password, hashParams));
    }
    return { kind: 'ok', user };
  }

  return {
    hash: (password) => hashPassword(password, hashParams),

    async login(email, password, address) {
      const user = await findUserByEmail(db, normalizeEmail(email));
      return attempt({ emailHash: emailKey(email), address }, user, password);
    },

    async confirm(userId, password, address) {
      const user = await findUserById(db, userId);
      if (!user) return { kind: 'gone' };
      return attempt({ emailHash: emailKey(user.email), address }, user, password);
    },
  };
}
