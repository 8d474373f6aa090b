import { createPublishedSignal, type Database, type RevocationPage } from '@shop/kit';
import { readRevokedSessions } from '../store/revoked-sessions-store';

/** MAX_LISTED bounds one ListRevokedSessions reply, as its contract says. */
export const MAX_LISTED = 1000;
/** REPLY_MARGIN_MS ends a wait this long before the call's deadline, so the empty reply still arrives in time. */
const REPLY_MARGIN_MS = 100;

/** RevocationFeedOptions configure createRevocationFeed. */
export interface RevocationFeedOptions {
  db: Database;
  now: () => number;
  /**
   * recheckMs is how often a waiting read looks at the table without being
   * told: a revocation committed by another replica of the users service
   * reaches this one's waiters within it.
   */
  recheckMs: number;
}

/** RevocationFeed serves the revoked sessions to ListRevokedSessions and to the users service's own verifier. */
export interface RevocationFeed {
  /** notify wakes waiting reads: a transaction that listed revoked sessions has committed. */
  notify(): void;
  /**
   * read returns the revocations still in force after afterPosition,
   * waiting up to maxWaitMs (and not past deadline, epoch ms) for one when
   * there is none, until signal aborts or close().
   */
  read(afterPosition: string, maxWaitMs: number, signal: AbortSignal, deadline?: number): Promise<RevocationPage>;
  /** close ends every waiting read (the server is draining). */
  close(): void;
}

/** createRevocationFeed reads the revoked_sessions table as a long-pollable list. */
export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const { db, now, recheckMs } = options;
  const published = createPublishedSignal();
  const closing = new AbortController();
  return {
    notify: () => published.notify(),
    close: () => closing.abort(),
    async read(after, maxWaitMs, signal, deadline = Infinity) {
      const until = Math.min(now() + maxWaitMs, deadline - REPLY_MARGIN_MS);
      const ended = maxWaitMs > 0 ? AbortSignal.any([signal, closing.signal]) : undefined;
      let seen = published.version;
      let { rows, head } = await readRevokedSessions(db, after, MAX_LISTED, new Date(now()));
      while (rows.length === 0 && ended !== undefined && !ended.aborted && now() < until) {
        await published.wait(seen, Math.min(recheckMs, until - now()), ended);
        seen = published.version;
        ({ rows, head } = await readRevokedSessions(db, after, MAX_LISTED, new Date(now())));
      }
      const last = rows[rows.length - 1];
      // Nothing new: stay at `after`, unless the table is behind it (a restored database), then follow the table.
      const position = last?.position ?? (BigInt(head) < BigInt(after) || after === '0' ? head : after);
      return { sessions: rows.map((r) => ({ sessionId: r.sessionId, expireTime: r.expireTime.getTime() })), position };
    },
  };
}
