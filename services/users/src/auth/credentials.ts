import { randomBytes } from 'node:crypto';
import type { Database } from '@shop/kit';
import { lockRemainingMs, NO_FAILURES, recordFailure, type LoginThrottlePolicy } from '../domain/login-throttle';
import { hashPassword, needsRehash, verifyPassword, type ScryptParams } from '../domain/password-hash';
import { findUserById, saveFailures, upgradePasswordHash, type UserRecord } from '../store/users-store';

/** PasswordCheck is the outcome of checking an account's password. */
export type PasswordCheck = { kind: 'ok'; user: UserRecord } | { kind: 'wrong' } | { kind: 'locked'; retryAfterMs: number } | { kind: 'gone' };

/** CredentialsOptions configure createCredentials. */
export interface CredentialsOptions {
  db: Database;
  hashParams: ScryptParams;
  throttle: LoginThrottlePolicy;
  now: () => number;
}

/** Credentials hash new passwords and check presented ones under the lockout. */
export interface Credentials {
  /** hash makes a stored hash of a new password with the current parameters. */
  hash(password: string): Promise<string>;
  /** check verifies an account's password, counting the attempt toward the lockout. */
  check(userId: string, password: string): Promise<PasswordCheck>;
  /** burn spends the time of one check without an account, so an unknown email answers as slowly as a wrong password. */
  burn(password: string): Promise<void>;
}

/**
 * createCredentials checks passwords with the lockout rules. Each attempt
 * is counted as a failure before the password is verified, in a
 * transaction holding the account's row lock, and cleared again when the
 * password is right: so however many attempts arrive at once, at most
 * maxFailures of them reach the password check in one window.
 */
export async function createCredentials(options: CredentialsOptions): Promise<Credentials> {
  const { db, hashParams, throttle, now } = options;
  // A hash of a random password with the current parameters: verifying against it costs what a real check costs.
  const dummyHash = await hashPassword(randomBytes(16).toString('base64'), hashParams);

  return {
    hash: (password) => hashPassword(password, hashParams),

    async burn(password) {
      await verifyPassword(password, dummyHash);
    },

    async check(userId, password) {
      const counted = await db.transaction(async (tx): Promise<PasswordCheck> => {
        const user = await findUserById(tx, userId, { forUpdate: true });
        if (!user) return { kind: 'gone' };
        const at = now();
        const retryAfterMs = lockRemainingMs(user.failures, at);
        if (retryAfterMs > 0) return { kind: 'locked', retryAfterMs };
        await saveFailures(tx, user.id, recordFailure(user.failures, at, throttle));
        return { kind: 'ok', user };
      });
      if (counted.kind !== 'ok') return counted;
      const { user } = counted;
      if (!(await verifyPassword(password, user.passwordHash))) return { kind: 'wrong' };
      await saveFailures(db, user.id, NO_FAILURES);
      if (needsRehash(user.passwordHash, hashParams)) {
        // The parameters were raised since this hash was made: upgrade it while the password is at hand.
        await upgradePasswordHash(db, user.id, user.passwordHash, await hashPassword(password, hashParams));
      }
      return { kind: 'ok', user: { ...user, failures: { ...NO_FAILURES } } };
    },
  };
}
