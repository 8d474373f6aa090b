import { importJWK, type JWK, type KeyLike } from 'jose';
import { unavailable, type DomainError } from '../errors/domain-error';
import { nonEmpty, publicJwk } from './public-jwk';

/** UserTokenAlgorithm is a signature algorithm accepted on user access tokens. */
export type UserTokenAlgorithm = 'EdDSA' | 'ES256';

/** VerificationKey is one imported key of the set, bound to the only algorithm it may verify. */
export interface VerificationKey {
  kid: string;
  alg: UserTokenAlgorithm;
  key: KeyLike;
}

/** RemoteKeySetOptions configure createRemoteKeySet. */
export interface RemoteKeySetOptions {
  fetchJwks: () => Promise<{ keys: readonly JWK[] }>;
  /** minRefreshIntervalMs is the least time between two fetches after a successful one. */
  minRefreshIntervalMs: number;
  /** retryAfterFailureMs is the least time between a failed fetch and the next one. */
  retryAfterFailureMs: number;
  /** maxAgeMs is how old the set may get before a verify also refreshes it in the background. */
  maxAgeMs: number;
  now: () => number;
}

/** RemoteKeySet resolves key ids to verification keys fetched from a JWKS source. */
export interface RemoteKeySet {
  /**
   * get returns the key for kid, or undefined when the set does not have it
   * (after one refresh, if a refresh was allowed). It throws an UNAVAILABLE
   * DomainError when it needs keys and cannot fetch them.
   */
  get(kid: string): Promise<VerificationKey | undefined>;
}

/** algorithmOf binds a key to one algorithm by its type and curve, so a token cannot pick a weaker one. */
function algorithmOf(jwk: JWK): UserTokenAlgorithm | undefined {
  const kty = nonEmpty(jwk.kty);
  const crv = nonEmpty(jwk.crv);
  if (kty === 'OKP' && crv === 'Ed25519') return 'EdDSA';
  if (kty === 'EC' && crv === 'P-256') return 'ES256';
  return undefined;
}

async function importKey(jwk: JWK): Promise<VerificationKey | undefined> {
  const kid = nonEmpty(jwk.kid);
  const alg = algorithmOf(jwk);
  if (kid === undefined || alg === undefined) return undefined;
  const declaredAlg = nonEmpty(jwk.alg);
  const use = nonEmpty(jwk.use);
  if ((declaredAlg !== undefined && declaredAlg !== alg) || (use !== undefined && use !== 'sig')) return undefined;
  const pub = publicJwk(jwk);
  if (pub === undefined) return undefined;
  try {
    const key = await importJWK(pub, alg);
    // A Uint8Array would be a symmetric secret; publicJwk never yields one, but the type allows it.
    if (key instanceof Uint8Array) return undefined;
    return { kid, alg, key };
  } catch {
    // One malformed key must not take the whole set down with it.
    return undefined;
  }
}

async function importKeySet(jwks: unknown): Promise<Map<string, VerificationKey>> {
  const keys = (jwks as { keys?: unknown } | null | undefined)?.keys;
  if (!Array.isArray(keys)) throw new Error('the key set has no keys array');
  const imported = await Promise.all(keys.map((jwk: JWK) => importKey(jwk)));
  const byKid = new Map<string, VerificationKey>();
  for (const key of imported) if (key && !byKid.has(key.kid)) byKid.set(key.kid, key);
  return byKid;
}

/**
 * createRemoteKeySet caches the user token keys and decides when to fetch
 * them again. Every fetch reaches the users service, and the fetch is
 * triggered by tokens that anyone can send, so fetches are rate limited:
 * after a success no new fetch starts for minRefreshIntervalMs, after a
 * failure none for retryAfterFailureMs, and callers that arrive while a fetch
 * is running share it. A failed fetch keeps the keys already held.
 */
export function createRemoteKeySet(options: RemoteKeySetOptions): RemoteKeySet {
  const { fetchJwks, minRefreshIntervalMs, retryAfterFailureMs, maxAgeMs, now } = options;
  let keys: Map<string, VerificationKey> | undefined;
  let fetchedAt = -Infinity;
  let nextFetchAt = -Infinity;
  let inFlight: Promise<Map<string, VerificationKey>> | undefined;

  async function load(): Promise<Map<string, VerificationKey>> {
    const startedAt = now();
    try {
      const fresh = await importKeySet(await fetchJwks());
      keys = fresh;
      fetchedAt = now();
      nextFetchAt = startedAt + minRefreshIntervalMs;
      return fresh;
    } catch (cause) {
      nextFetchAt = startedAt + retryAfterFailureMs;
      throw keysUnavailable(cause);
    }
  }

  function refresh(): Promise<Map<string, VerificationKey>> {
    if (inFlight) return inFlight;
    // finally runs as a later microtask, so it always clears after the assignment below.
    const pending = load().finally(() => {
      inFlight = undefined;
    });
    inFlight = pending;
    return pending;
  }

  return {
    async get(kid) {
      if (keys === undefined) {
        if (!inFlight && now() < nextFetchAt) throw keysUnavailable();
        return (await refresh()).get(kid);
      }
      const known = keys.get(kid);
      if (known) {
        if (!inFlight && now() - fetchedAt >= maxAgeMs && now() >= nextFetchAt) {
          // Refresh in the background so keys the users service has withdrawn stop
          // working; this token is checked against the set we already trust.
          refresh().catch(() => undefined);
        }
        return known;
      }
      if (!inFlight && now() < nextFetchAt) return undefined;
      return (await refresh()).get(kid);
    },
  };
}

function keysUnavailable(cause?: unknown): DomainError {
  const err = unavailable('AUTH_KEYS_UNAVAILABLE', 'cannot verify tokens right now', 1000);
  // Kept for the log; DomainError never sends its cause.
  if (cause !== undefined) err.cause = cause;
  return err;
}
