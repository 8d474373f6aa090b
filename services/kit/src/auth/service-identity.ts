/**
 * Service identity: how one shopmesh service proves who it is to another.
 *
 * Every service has its own Ed25519 key pair. When it calls another service
 * it sends a short-lived JWT (alg EdDSA, header `typ: service+jwt`,
 * `iss: shop-service`, `sub` and `kid` both the service's name, `aud` the
 * name of the service called) signed with its private key. The callee
 * verifies the token with the caller's public key, read from a shared
 * directory by `kid`, and requires `sub` to equal `kid`, so a key can only
 * ever speak for its own service; its server then requires `aud` to name
 * itself (see createAuthentication), so a token received by one service
 * cannot be replayed at another: catalog, called by orders, cannot use
 * orders' token to call PaymentService/Charge (PERMISSION_DENIED).
 *
 * Why this design:
 * - There is no shared secret. With one HMAC key for the whole mesh, any
 *   compromised service could mint tokens as any other (orders claiming to
 *   be payments). Here a stolen key speaks only for the service it belongs to.
 * - Verifiers hold only public keys, which are not secret and can be handed
 *   to every pod.
 * - Tokens live minutes (5 by default, at most an hour), so a token captured
 *   from a log or a proxy is soon worthless, and no revocation list is needed.
 *
 * Key provisioning, one directory layout everywhere (`keysDir`):
 * `<service>.private.jwk.json` (mode 0600) and `<service>.public.jwk.json`.
 * - Embedded / dev mode: createServiceIdentity generates a missing key pair
 *   and writes both files; services sharing the directory find each other's
 *   public keys there, and a service that appears later is picked up.
 * - Kubernetes: each service's private key is mounted from its own Secret and
 *   the public keys of all services from one ConfigMap, projected into the
 *   same directory. Nothing is generated; a service without its Secret fails
 *   at startup instead of inventing a key nobody trusts (the directory is
 *   read-only, so the write fails).
 *
 * Why not mTLS now: Node has no built-in way to issue X.509 certificates, so
 * mTLS needs a CA and a rotation story (cert-manager or a mesh sidecar) before
 * the first call works; and a client certificate does not survive a TLS
 * terminating proxy, while a token in metadata does and works the same in the
 * embedded mode, where all services share one process. mTLS can be layered
 * under this later for transport encryption and peer checks; the tokens then
 * still carry which service is calling.
 */
import { decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import type { ServicePrincipal } from '../context/principal';
import { unauthenticated, type DomainError } from '../errors/domain-error';
import { isServiceName, loadOrCreateServiceKey, readServicePublicKey } from './service-keys';

/** SERVICE_TOKEN_ISSUER is the `iss` of every service token. */
export const SERVICE_TOKEN_ISSUER = 'shop-service';
/** SERVICE_TOKEN_TYPE is the `typ` header of every service token; user tokens never carry it. */
export const SERVICE_TOKEN_TYPE = 'service+jwt';
/** MAX_SERVICE_TOKEN_TTL_SEC bounds a service token's lifetime; verifiers refuse longer ones. */
export const MAX_SERVICE_TOKEN_TTL_SEC = 3600;

/** KEY_REREAD_INTERVAL_MS is the least time between two reads of one kid's public key file. */
const KEY_REREAD_INTERVAL_MS = 5000;
/** MAX_CACHED_AUDIENCES bounds the tokens kept per callee; a mesh has a handful of services. */
const MAX_CACHED_AUDIENCES = 64;
/** MAX_TRACKED_KIDS bounds the per-kid read times, which a flood of made-up kids would otherwise grow. */
const MAX_TRACKED_KIDS = 1024;

/** ServiceIdentityOptions configure createServiceIdentity. */
export interface ServiceIdentityOptions {
  /** service is this service's name, for example "orders". */
  service: string;
  /** keysDir holds the key files; see the module comment. */
  keysDir: string;
  /** ttlSec is how long a minted token is valid. */
  ttlSec?: number;
  /** now returns the current epoch milliseconds; tests inject a clock. */
  now?: () => number;
}

/** ServiceIdentity mints the tokens this service sends on its outgoing calls. */
export interface ServiceIdentity {
  readonly service: string;
  /**
   * token returns a valid service token for calls to `audience` (the callee
   * service's name, for example "payments"), reusing the last one for that
   * callee until less than a third of its lifetime is left.
   */
  token(audience: string): Promise<string>;
}

/**
 * createServiceIdentity loads (or, in dev, creates) this service's key and
 * returns the identity that signs its tokens. It is async so that a missing
 * or broken key fails at startup, not on the first outgoing call.
 */
export async function createServiceIdentity(options: ServiceIdentityOptions): Promise<ServiceIdentity> {
  const { service, keysDir, ttlSec = 300 } = options;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > MAX_SERVICE_TOKEN_TTL_SEC) {
    throw new Error(`ttlSec must be a whole number from 1 to ${MAX_SERVICE_TOKEN_TTL_SEC}`);
  }
  const { privateKey } = await loadOrCreateServiceKey(service, keysDir);
  const cache = new Map<string, { token: string; exp: number }>();

  return {
    service,
    async token(audience) {
      if (!isServiceName(audience)) throw new Error(`invalid audience ${JSON.stringify(audience)}: a service token names the service it is for`);
      const nowSec = now() / 1000;
      const cached = cache.get(audience);
      // Re-minting with a third left means a token never expires in flight, even on a slow call.
      if (cached && cached.exp - nowSec >= ttlSec / 3) return cached.token;
      const iat = Math.floor(nowSec);
      const exp = iat + ttlSec;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA', kid: service, typ: SERVICE_TOKEN_TYPE })
        .setIssuer(SERVICE_TOKEN_ISSUER)
        .setSubject(service)
        .setAudience(audience)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(privateKey);
      if (!cache.has(audience) && cache.size >= MAX_CACHED_AUDIENCES) cache.clear();
      cache.set(audience, { token, exp });
      return token;
    },
  };
}

/** ServiceTokenVerifierOptions configure createServiceTokenVerifier. */
export interface ServiceTokenVerifierOptions {
  /** keysDir holds the public keys of the services that may call; see the module comment. */
  keysDir: string;
  /** clockToleranceSec is the clock skew allowed on `exp`, `nbf` and `iat`. */
  clockToleranceSec?: number;
  /** now returns the current epoch milliseconds; tests inject a clock. */
  now?: () => number;
}

/** ServiceTokenVerifier turns a service token into the service it proves. */
export interface ServiceTokenVerifier {
  /**
   * verify checks the token and returns its principal, or throws an
   * UNAUTHENTICATED DomainError. The principal carries the token's audience:
   * whether it names the service called is the server's check
   * (createAuthentication), so one verified token can be cached per process.
   */
  verify(token: string): Promise<ServicePrincipal>;
}

/**
 * createServiceTokenVerifier verifies service tokens against the public keys
 * in keysDir. Keys are cached by kid. A kid's file is read again at most once
 * per 5 seconds: when the kid is unknown (a service deployed after this one
 * started) and when a known kid's signature fails (its key was rotated).
 */
export function createServiceTokenVerifier(options: ServiceTokenVerifierOptions): ServiceTokenVerifier {
  const { keysDir, clockToleranceSec = 5 } = options;
  const now = options.now ?? Date.now;
  const keys = new Map<string, KeyLike>();
  const lastReadAt = new Map<string, number>();
  const reading = new Map<string, Promise<KeyLike | undefined>>();

  /** reread reads kid's key file unless it was read recently; undefined means no (new) key. */
  function reread(kid: string): Promise<KeyLike | undefined> {
    const pending = reading.get(kid);
    if (pending) return pending;
    const last = lastReadAt.get(kid);
    if (last !== undefined && now() - last < KEY_REREAD_INTERVAL_MS) return Promise.resolve(undefined);
    forgetOldReads();
    lastReadAt.set(kid, now());
    const read = readServicePublicKey(kid, keysDir)
      .catch(() => undefined)
      .then((key) => {
        // A removed file withdraws the key: that service may no longer call.
        if (key) keys.set(kid, key);
        else keys.delete(kid);
        return key;
      })
      .finally(() => reading.delete(kid));
    reading.set(kid, read);
    return read;
  }

  function forgetOldReads(): void {
    if (lastReadAt.size < MAX_TRACKED_KIDS) return;
    for (const [kid, at] of lastReadAt) if (now() - at >= KEY_REREAD_INTERVAL_MS) lastReadAt.delete(kid);
    if (lastReadAt.size >= MAX_TRACKED_KIDS) lastReadAt.clear();
  }

  async function check(token: string, kid: string, key: KeyLike): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['EdDSA'],
      typ: SERVICE_TOKEN_TYPE,
      issuer: SERVICE_TOKEN_ISSUER,
      subject: kid,
      maxTokenAge: MAX_SERVICE_TOKEN_TTL_SEC,
      requiredClaims: ['exp', 'iat'],
      clockTolerance: clockToleranceSec,
      currentDate: new Date(now()),
    });
    return payload;
  }

  return {
    async verify(token) {
      const kid = readKid(token);
      const key = keys.get(kid) ?? (await reread(kid));
      if (!key) throw invalidToken();
      let payload: JWTPayload;
      try {
        payload = await check(token, kid, key);
      } catch (err) {
        if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw invalidToken();
        const rotated = await reread(kid);
        if (!rotated) throw invalidToken();
        payload = await check(token, kid, rotated).catch(() => {
          throw invalidToken();
        });
      }
      const { iat, exp, aud } = payload;
      if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > MAX_SERVICE_TOKEN_TTL_SEC) {
        throw invalidToken();
      }
      // One callee per token: a list of audiences would make the token good at each of them.
      if (!isServiceName(aud)) throw invalidToken();
      return { kind: 'service', service: kid, audience: aud };
    },
  };
}

function readKid(token: string): string {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw invalidToken();
  }
  // The kid becomes a file name, so it is checked before it gets anywhere near the file system.
  if (header.alg !== 'EdDSA' || !isServiceName(header.kid)) throw invalidToken();
  return header.kid;
}

function invalidToken(): DomainError {
  return unauthenticated('invalid service token');
}
