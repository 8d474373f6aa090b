import { decodeProtectedHeader, errors, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { Role, UserPrincipal } from '../context/principal';
import { unauthenticated, type DomainError } from '../errors/domain-error';
import { createRemoteKeySet, type UserTokenAlgorithm } from './remote-key-set';

/** UserTokenVerifierOptions configure createUserTokenVerifier. */
export interface UserTokenVerifierOptions {
  /** issuer is the `iss` the users service puts in its access tokens. */
  issuer: string;
  /** audience is the `aud` an access token must name. */
  audience: string;
  /**
   * fetchJwks returns the users service's current public keys (in production
   * AuthService.GetJwks). Members that are '' count as absent.
   */
  fetchJwks: () => Promise<{ keys: readonly JWK[] }>;
  /** minRefreshIntervalMs is the least time between two key fetches; unknown `kid`s inside it are simply rejected. */
  minRefreshIntervalMs?: number;
  /** clockToleranceSec is the clock skew allowed on `exp` and `nbf`. */
  clockToleranceSec?: number;
  /** keySetMaxAgeMs is how old the cached keys may get before they are refreshed in the background, so withdrawn keys stop working. */
  keySetMaxAgeMs?: number;
  /** now returns the current epoch milliseconds; tests inject a clock. */
  now?: () => number;
}

/** UserTokenVerifier turns a bearer access token into the user it proves. */
export interface UserTokenVerifier {
  /**
   * verify checks the token and returns its principal. It throws an
   * UNAUTHENTICATED DomainError for an invalid or expired token (reason
   * TOKEN_EXPIRED for the latter) and an UNAVAILABLE one when the keys to
   * check it cannot be fetched, so that the caller retries rather than logs
   * the user out.
   */
  verify(token: string): Promise<UserPrincipal>;
}

const ALGORITHMS: ReadonlySet<string> = new Set<UserTokenAlgorithm>(['EdDSA', 'ES256']);
const ROLES: ReadonlySet<string> = new Set<Role>(['customer', 'admin']);
const RETRY_AFTER_FAILURE_MS = 1000;

/**
 * createUserTokenVerifier verifies user access tokens locally against the
 * users service's published keys. Only the asymmetric algorithms the users
 * service signs with are accepted, and each key verifies only the algorithm
 * its type implies, so `alg: none` and HS256-with-the-public-key tricks fail
 * before any key is looked at.
 */
export function createUserTokenVerifier(options: UserTokenVerifierOptions): UserTokenVerifier {
  const { issuer, audience, fetchJwks, minRefreshIntervalMs = 30_000, clockToleranceSec = 5 } = options;
  const now = options.now ?? Date.now;
  const keySet = createRemoteKeySet({
    fetchJwks,
    minRefreshIntervalMs,
    retryAfterFailureMs: Math.min(RETRY_AFTER_FAILURE_MS, minRefreshIntervalMs),
    maxAgeMs: Math.max(options.keySetMaxAgeMs ?? 10 * 60_000, minRefreshIntervalMs),
    now,
  });

  return {
    async verify(token) {
      const { alg, kid } = readHeader(token);
      const key = await keySet.get(kid);
      if (!key || key.alg !== alg) throw invalidToken();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key.key, {
          algorithms: [key.alg],
          issuer,
          audience,
          clockTolerance: clockToleranceSec,
          currentDate: new Date(now()),
          requiredClaims: ['sub', 'exp', 'sid'],
        }));
      } catch (err) {
        // jose checks the signature before the claims, so only a genuine token is reported as expired.
        if (err instanceof errors.JWTExpired) throw unauthenticated('the bearer token has expired', 'TOKEN_EXPIRED');
        throw invalidToken();
      }
      return toPrincipal(payload, token);
    },
  };
}

function readHeader(token: string): { alg: string; kid: string } {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw invalidToken();
  }
  const { alg, kid } = header;
  // Checked before any key lookup, so junk tokens never cause a fetch.
  if (typeof alg !== 'string' || !ALGORITHMS.has(alg)) throw invalidToken();
  if (typeof kid !== 'string' || kid === '') throw invalidToken();
  return { alg, kid };
}

function toPrincipal(payload: JWTPayload, token: string): UserPrincipal {
  const { sub, exp } = payload;
  const sid = payload['sid'];
  // Without a session a token could not be revoked before it expires: it is refused.
  if (typeof sub !== 'string' || sub === '' || typeof exp !== 'number' || typeof sid !== 'string' || sid === '' || sid.length > 64) throw invalidToken();
  const claimed: unknown = payload['roles'] ?? [];
  if (!Array.isArray(claimed)) throw invalidToken();
  // Unknown roles are dropped rather than rejected, so the users service can add roles before every verifier knows them.
  const roles = [...new Set(claimed.filter((r): r is Role => typeof r === 'string' && ROLES.has(r)))];
  return { kind: 'user', userId: sub, sessionId: sid, roles, token, expiresAt: exp * 1000 };
}

function invalidToken(): DomainError {
  return unauthenticated('invalid bearer token');
}
