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
import { recordRevokedSessions } from '../store/revoked-sessions-store';
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
  /** onRevoked is told, after the commit, that sessions were listed as revoked (it wakes ListRevokedSessions calls). */
  onRevoked?: () => void;
}

/**
 * REVOCATION_MARGIN_MS keeps a revoked session listed a little past its last
 * access token's expiry, for verifiers whose clocks run behind (they allow
 * 5 s of skew).
 */
const REVOCATION_MARGIN_MS = 60_000;

/** Sessions issue, rotate and revoke refresh token families. */
export interface Sessions {
  /** start opens a new family for a user who just logged in. */
  start(user: { id: string; roles: readonly UserRole[] }): Promise<IssuedTokens>;
  /** refresh exchanges a refresh token for a new pair in the same family (see createSessions). */
  refresh(refreshToken: string): Promise<IssuedTokens>;
  /** logout revokes the family of a refresh token; unknown tokens are ignored. */
  logout(refreshToken: string): Promise<void>;
  /**
   * revokeAll revokes every family of a user inside the caller's
   * transaction and returns how many were live; call `revoked()` after that
   * transaction commits.
   */
  revokeAll(userId: string, reason: RevokeReason, tx: Queryable): Promise<number>;
  /** revoked tells waiting ListRevokedSessions calls that a transaction which called revokeAll has committed. */
  revoked(): void;
}

type RefreshOutcome =
  | { kind: 'rotated'; user: { id: string; roles: readonly UserRole[] }; familyId: string; refreshToken: string }
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
  const revoked = () => options.onRevoked?.();

  /** listRevoked lists families just revoked as ended sessions, in the same transaction. */
  async function listRevoked(q: Queryable, familyIds: string[], at: number): Promise<number> {
    await recordRevokedSessions(q, familyIds, new Date(at), new Date(at + accessTtlMs + REVOCATION_MARGIN_MS));
    return familyIds.length;
  }

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

  async function pair(user: { id: string; roles: readonly UserRole[] }, familyId: string, refreshToken: string): Promise<IssuedTokens> {
    return { accessToken: await signer.sign(user, familyId), accessTtlMs, refreshToken, refreshTtlMs };
  }

  return {
    async start(user) {
      const familyId = randomUUID();
      const refreshToken = await db.transaction(async (tx) => {
        const at = now();
        await createFamily(tx, { id: familyId, userId: user.id, now: new Date(at) });
        return issueRefresh(tx, user.id, familyId, null, at);
      });
      return pair(user, familyId, refreshToken);
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
          return { kind: 'rotated', user, familyId: claimed.familyId, refreshToken: await issueRefresh(tx, user.id, claimed.familyId, tokenHash, at) };
        }
        const stored = await findRefreshToken(tx, tokenHash);
        if (!stored) return { kind: 'invalid' };
        if (stored.usedTime !== null) {
          await listRevoked(tx, await revokeFamily(tx, stored.familyId, 'reuse', new Date(at)), at);
          return { kind: 'reused', familyId: stored.familyId, userId: stored.userId };
        }
        if (stored.familyRevoked) return { kind: 'invalid' };
        return stored.expireTime.getTime() <= at ? { kind: 'expired' } : { kind: 'invalid' };
      });
      switch (outcome.kind) {
        case 'rotated':
          return pair(outcome.user, outcome.familyId, outcome.refreshToken);
        case 'reused':
          revoked();
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
      const ended = await db.transaction(async (tx) => {
        const at = now();
        return listRevoked(tx, await revokeFamilyOfToken(tx, hashRefreshToken(presented), 'logout', new Date(at)), at);
      });
      if (ended > 0) revoked();
    },

    async revokeAll(userId, reason, tx) {
      const at = now();
      return listRevoked(tx, await revokeUserFamilies(tx, userId, reason, new Date(at)), at);
    },

    revoked,
  };
}
