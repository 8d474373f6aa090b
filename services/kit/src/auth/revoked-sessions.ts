/**
 * Revoked sessions: how a verifier learns, within seconds, that an access
 * token it would accept belongs to a session that has ended.
 *
 * Access tokens are verified locally (no call to the users service per
 * request) and live minutes, so a logout, a password change or a deleted
 * account would otherwise leave them working until they expire. Every access
 * token names its session (`sid`, the refresh token family it came from).
 * When a session ends, the users service lists it, in the transaction that
 * ended it, and serves the list through AuthService.ListRevokedSessions: a
 * verifier loads the whole list when it starts and then long-polls for what
 * follows its position, so it hears of a revocation as soon as it commits
 * (within the users service's recheck interval when another replica
 * committed it). The list holds only sessions whose access tokens could
 * still be valid, so it stays small; entries are forgotten when they expire.
 *
 * Until the first load a verifier refuses user tokens with UNAVAILABLE
 * (AUTH_KEYS_UNAVAILABLE: retry), as it does while it cannot fetch the
 * signing keys, rather than accept one it cannot check. After that it keeps
 * the last list it has while the users service is unreachable: a verifier
 * cut off from the users service keeps serving, and learns of revocations
 * made meanwhile as soon as it reconnects.
 */
import type { Logger } from 'pino';
import type { UserPrincipal } from '../context/principal';
import { unauthenticated, unavailable } from '../errors/domain-error';
import { backoffDelay } from '../events/backoff';
import { createLoop } from '../events/background-loop';
import type { CachedVerifier } from './verified-token-cache';

/** RevocationPage is one answer of the source: sessions after a position and where to continue. */
export interface RevocationPage {
  sessions: ReadonlyArray<{ sessionId: string; /** expireTime is epoch ms: the entry may be forgotten after it. */ expireTime: number }>;
  position: string;
}

/**
 * RevocationSource reads the list after afterPosition ("0": everything in
 * force), waiting up to maxWaitMs for something new when there is nothing
 * (AuthService.ListRevokedSessions, or the users service's own store).
 */
export type RevocationSource = (afterPosition: string, maxWaitMs: number, signal: AbortSignal) => Promise<RevocationPage>;

/** RevokedSessionsOptions configure createRevokedSessions. */
export interface RevokedSessionsOptions {
  source: RevocationSource;
  log: Logger;
  /** waitMs is how long one call may wait in the source for news (default 20 s). */
  waitMs?: number;
  /** maxRetryDelayMs bounds the pause between failed calls (default 5 s). */
  maxRetryDelayMs?: number;
  now?: () => number;
}

/** RevokedSessions is a verifier's copy of the list, kept current in the background. */
export interface RevokedSessions {
  /** loaded says whether the list has been read once. */
  readonly loaded: boolean;
  /** size is how many sessions are listed. */
  readonly size: number;
  /** isRevoked tells whether a session has ended (false for sessions not listed, or forgotten after their expiry). */
  isRevoked(sessionId: string): boolean;
  /** ready resolves true once the list is loaded, or false after timeoutMs. */
  ready(timeoutMs: number): Promise<boolean>;
  start(): void;
  stop(): Promise<void>;
}

/** A reply this quick with nothing in it came from a source that does not wait: pause instead of spinning. */
const MIN_EMPTY_ROUND_MS = 200;
const EMPTY_ROUND_PAUSE_MS = 1_000;
/** UNLOADED_RETRY_MS caps the pause between failed loads before the first one succeeded. */
const UNLOADED_RETRY_MS = 500;
/** Expired entries are swept at most this often. */
const SWEEP_INTERVAL_MS = 60_000;

/** createRevokedSessions keeps the list of revoked sessions current; start() begins loading it. */
export function createRevokedSessions(options: RevokedSessionsOptions): RevokedSessions {
  const { source, log, waitMs = 20_000, maxRetryDelayMs = 5_000 } = options;
  const now = options.now ?? Date.now;
  const revoked = new Map<string, number>();
  let position = '0';
  let loaded = false;
  let failures = 0;
  let lastSweep = now();
  let markLoaded: () => void = () => undefined;
  const loadedOnce = new Promise<void>((resolve) => {
    markLoaded = resolve;
  });

  const sweep = (t: number) => {
    if (t - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = t;
    for (const [sessionId, expireTime] of revoked) if (expireTime <= t) revoked.delete(sessionId);
  };

  const loop = createLoop(
    'revoked sessions',
    async (signal) => {
      const started = now();
      const wait = loaded ? waitMs : 0;
      let page: RevocationPage;
      try {
        page = await source(position, wait, signal);
      } catch (err) {
        if (signal.aborted) return 0;
        failures += 1;
        // The users service restarting is routine; say so once in a while, not on every attempt.
        if (failures === 1 || failures % 20 === 0) log.warn({ err, failures, loaded }, 'cannot read the revoked sessions; retrying');
        // Until the list is loaded no token can be verified: at start-up, while
        // the users service is still coming up, ask again at least twice a second.
        return backoffDelay(failures, { initialMs: 250, maxMs: loaded ? maxRetryDelayMs : Math.min(maxRetryDelayMs, UNLOADED_RETRY_MS) });
      }
      failures = 0;
      const t = now();
      for (const { sessionId, expireTime } of page.sessions) if (expireTime > t) revoked.set(sessionId, expireTime);
      if (page.position !== '') position = page.position;
      sweep(t);
      if (!loaded) {
        loaded = true;
        markLoaded();
        log.info({ revoked_sessions: revoked.size }, 'revoked sessions loaded');
      }
      return wait > 0 && page.sessions.length === 0 && now() - started < MIN_EMPTY_ROUND_MS ? EMPTY_ROUND_PAUSE_MS : 0;
    },
    log,
  );

  return {
    get loaded() {
      return loaded;
    },
    get size() {
      return revoked.size;
    },
    isRevoked(sessionId) {
      const expireTime = revoked.get(sessionId);
      return expireTime !== undefined && expireTime > now();
    },
    ready(timeoutMs) {
      if (loaded) return Promise.resolve(true);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      return Promise.race([loadedOnce.then(() => true), timeout]).finally(() => clearTimeout(timer));
    },
    start: () => loop.start(),
    stop: () => loop.stop(),
  };
}

/** LOAD_WAIT_MS is how long a verification waits for the first load before it answers UNAVAILABLE. */
const LOAD_WAIT_MS = 3_000;

/**
 * refuseRevokedSessions wraps a user token verifier so that a token of an
 * ended session is refused: UNAUTHENTICATED with reason SESSION_REVOKED,
 * checked on every call, including tokens answered from the verified-token
 * cache (a map lookup).
 */
export function refuseRevokedSessions(verifier: CachedVerifier<UserPrincipal>, sessions: RevokedSessions): CachedVerifier<UserPrincipal> {
  return {
    lookup(token) {
      const user = verifier.lookup(token);
      // An unloaded list or an ended session goes the slow way, which waits or refuses.
      if (user === undefined || !sessions.loaded || sessions.isRevoked(user.sessionId)) return undefined;
      return user;
    },
    async verify(token) {
      if (!sessions.loaded && !(await sessions.ready(LOAD_WAIT_MS))) {
        throw unavailable('AUTH_KEYS_UNAVAILABLE', 'cannot verify tokens right now: the revoked sessions are not loaded yet', 1000);
      }
      const user = await verifier.verify(token);
      if (sessions.isRevoked(user.sessionId)) throw unauthenticated('the session of this token has ended; log in again', 'SESSION_REVOKED');
      return user;
    },
  };
}
