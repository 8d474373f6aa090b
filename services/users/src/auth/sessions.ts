import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database, Queryable } from '@shop/kit';
import { expiredRefreshToken, invalidRefreshToken, refreshTokenReused } from '../domain/errors';
import { hashRefreshToken, isRefreshTokenShaped, newRefreshToken } from '../domain/refresh-token';
import type { UserRole } from '../domain/roles';
import {
  claimRefreshToken,
  createFamily,
  findRefreshToken,
  insertRefreshToken,
  revokeFamily,
  revokeFamilyOfToken,
  revokeUserFamilies,
  type RevokeReason,
} from '../store/refresh-tokens-store';
import { findUserById } from '../store/users-store';
import type { AccessTokenSigner } from './access-token';

/** IssuedTokens are an access and a refresh token with their lifetimes. */
export interface IssuedTokens {
  accessToken: string;
  accessTtlMs: number;
  refreshToken: string;
  refreshTtlMs: number;
}

/** SessionsOptions configure createSessions. */
export interface SessionsOptions {
  db: Database;
  log: Logger;
  signer: AccessTokenSigner;
  accessTtlMs: number;
  refreshTtlMs: number;
  now: () => number;
}

/** Sessions issue, rotate and revoke refresh token families. */
export interface Sessions {
  /** start opens a new family for a user who just logged in. */
  start(user: { id: string; roles: readonly UserRole[] }): Promise<IssuedTokens>;
  /** refresh exchanges a refresh token for a new pair in the same family (see createSessions). */
  refresh(refreshToken: string): Promise<IssuedTokens>;
  /** logout revokes the family of a refresh token; unknown tokens are ignored. */
  logout(refreshToken: string): Promise<void>;
  /** revokeAll revokes every family of a user, inside the caller's transaction when one is passed. */
  revokeAll(userId: string, reason: RevokeReason, q?: Queryable): Promise<number>;
}

type RefreshOutcome =
  | { kind: 'rotated'; user: { id: string; roles: readonly UserRole[] }; refreshToken: string }
  | { kind: 'reused'; familyId: string; userId: string }
  | { kind: 'invalid' }
  | { kind: 'expired' };

/**
 * createSessions implements refresh token rotation with reuse detection.
 * Each login starts a family; each refresh marks the presented token used
 * (a conditional UPDATE, so of two concurrent refreshes only one claims it)
 * and issues its child in the same family. A used token presented again
 * means two parties hold the family's tokens: the whole family is revoked,
 * so the legitimate user must log in again and the thief's tokens die too.
 */
export function createSessions(options: SessionsOptions): Sessions {
  const { db, log, signer, accessTtlMs, refreshTtlMs, now } = options;

  async function issueRefresh(q: Queryable, userId: string, familyId: string, parentHash: string | null, at: number): Promise<string> {
    const token = newRefreshToken();
    await insertRefreshToken(q, {
      tokenHash: hashRefreshToken(token),
      familyId,
      parentHash,
      userId,
      issueTime: new Date(at),
      expireTime: new Date(at + refreshTtlMs),
    });
    return token;
  }

  async function pair(user: { id: string; roles: readonly UserRole[] }, refreshToken: string): Promise<IssuedTokens> {
    return { accessToken: await signer.sign(user), accessTtlMs, refreshToken, refreshTtlMs };
  }

  return {
    async start(user) {
      const refreshToken = await db.transaction(async (tx) => {
        const at = now();
        const familyId = randomUUID();
        await createFamily(tx, { id: familyId, userId: user.id, now: new Date(at) });
        return issueRefresh(tx, user.id, familyId, null, at);
      });
      return pair(user, refreshToken);
    },

    async refresh(presented) {
      if (!isRefreshTokenShaped(presented)) throw invalidRefreshToken();
      const tokenHash = hashRefreshToken(presented);
      // The outcome is returned rather than thrown so that a reuse's revocation commits.
      const outcome = await db.transaction(async (tx): Promise<RefreshOutcome> => {
        const at = now();
        const claimed = await claimRefreshToken(tx, tokenHash, new Date(at));
        if (claimed) {
          const user = await findUserById(tx, claimed.userId);
          if (!user) return { kind: 'invalid' };
          return { kind: 'rotated', user, refreshToken: await issueRefresh(tx, user.id, claimed.familyId, tokenHash, at) };
        }
        const stored = await findRefreshToken(tx, tokenHash);
        if (!stored) return { kind: 'invalid' };
        if (stored.usedTime !== null) {
          await revokeFamily(tx, stored.familyId, 'reuse', new Date(at));
          return { kind: 'reused', familyId: stored.familyId, userId: stored.userId };
        }
        if (stored.familyRevoked) return { kind: 'invalid' };
        return stored.expireTime.getTime() <= at ? { kind: 'expired' } : { kind: 'invalid' };
      });
      switch (outcome.kind) {
        case 'rotated':
          return pair(outcome.user, outcome.refreshToken);
        case 'reused':
          log.warn({ user_id: outcome.userId, family_id: outcome.familyId }, 'refresh token reused: token family revoked');
          throw refreshTokenReused();
        case 'expired':
          throw expiredRefreshToken();
        case 'invalid':
          throw invalidRefreshToken();
      }
    },

    async logout(presented) {
      if (!isRefreshTokenShaped(presented)) return;
      await revokeFamilyOfToken(db, hashRefreshToken(presented), 'logout', new Date(now()));
    },

    revokeAll(userId, reason, q = db) {
      return revokeUserFamilies(q, userId, reason, new Date(now()));
    },
  };
}
