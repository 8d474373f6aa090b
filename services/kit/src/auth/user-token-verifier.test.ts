import { status } from '@grpc/grpc-js';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type JWK, type KeyLike } from 'jose';
import { DomainError } from '../errors/domain-error';
import { createUserTokenVerifier, type UserTokenVerifierOptions } from './user-token-verifier';

const ISSUER = 'https://users.shop.example';
const AUDIENCE = 'shopmesh';
const START = Date.parse('2030-01-01T00:00:00Z');

interface TestKey {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyLike;
  publicKey: KeyLike;
  /** jwk is the public key as AuthService.GetJwks sends it: every member present, '' when unset. */
  jwk: JWK;
}

async function makeKey(kid: string, alg: 'EdDSA' | 'ES256' = 'EdDSA'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const exported = await exportJWK(publicKey);
  const jwk: JWK = {
    kty: exported.kty ?? '',
    crv: exported.crv ?? '',
    x: exported.x ?? '',
    y: exported.y ?? '',
    kid,
    alg,
    use: 'sig',
  };
  return { kid, alg, privateKey, publicKey, jwk };
}

interface SignOptions {
  claims?: Record<string, unknown>;
  kid?: string | undefined;
  alg?: string;
  issuer?: string;
  audience?: string;
  sub?: string | undefined;
  iat?: number;
  ttlSec?: number;
}

async function sign(key: TestKey, options: SignOptions = {}): Promise<string> {
  const iat = options.iat ?? Math.floor(START / 1000);
  const jwt = new SignJWT({ roles: ['customer'], sid: 'session-1', ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? key.alg, ...('kid' in options ? { kid: options.kid } : { kid: key.kid }) })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.ttlSec ?? 900));
  const sub = 'sub' in options ? options.sub : 'user-1';
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(key.privateKey);
}

/** setup builds a verifier on a fake clock whose JWKS endpoint serves `served` and counts fetches. */
function setup(served: TestKey[], overrides: Partial<UserTokenVerifierOptions> = {}) {
  const state = { clock: START, fetches: 0, keys: served, fail: false };
  const verifier = createUserTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    fetchJwks: async () => {
      state.fetches += 1;
      await Promise.resolve();
      if (state.fail) throw new Error('connect ECONNREFUSED users:50051');
      return { keys: state.keys.map((k) => k.jwk) };
    },
    now: () => state.clock,
    ...overrides,
  });
  return { verifier, state };
}

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected the promise to reject');
}

async function expectInvalid(promise: Promise<unknown>): Promise<void> {
  const err = await rejection(promise);
  expect(err.code).toBe(status.UNAUTHENTICATED);
  expect(err.reason).toBe('UNAUTHENTICATED');
  expect(err.message).toBe('invalid bearer token');
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('createUserTokenVerifier', () => {
  it('verifies an EdDSA token to the user, roles and expiry it carries', async () => {
    const key = await makeKey('k1');
    const { verifier } = setup([key]);
    const token = await sign(key, { claims: { roles: ['customer', 'admin'] } });

    await expect(verifier.verify(token)).resolves.toEqual({
      kind: 'user',
      userId: 'user-1',
      sessionId: 'session-1',
      roles: ['customer', 'admin'],
      token,
      expiresAt: START + 900_000,
    });
  });

  it('refuses a token without a session (sid), which could not be revoked before it expires', async () => {
    const key = await makeKey('k1');
    const { verifier } = setup([key]);

    await expectInvalid(verifier.verify(await sign(key, { claims: { sid: undefined } })));
    await expectInvalid(verifier.verify(await sign(key, { claims: { sid: '' } })));
    await expectInvalid(verifier.verify(await sign(key, { claims: { sid: 42 } })));
    await expectInvalid(verifier.verify(await sign(key, { claims: { sid: 'x'.repeat(65) } })));
  });

  it('verifies an ES256 token', async () => {
    const key = await makeKey('ec1', 'ES256');
    const { verifier } = setup([key]);

    const user = await verifier.verify(await sign(key));

    expect(user.userId).toBe('user-1');
  });

  it('drops roles it does not know and treats a missing roles claim as none', async () => {
    const key = await makeKey('k1');
    const { verifier } = setup([key]);

    const mixed = await verifier.verify(await sign(key, { claims: { roles: ['admin', 'superuser', 7, 'admin'] } }));
    const none = await verifier.verify(await sign(key, { claims: { roles: undefined } }));

    expect(mixed.roles).toEqual(['admin']);
    expect(none.roles).toEqual([]);
  });

  it('rejects a roles claim that is not an array', async () => {
    const key = await makeKey('k1');
    const { verifier } = setup([key]);

    await expectInvalid(verifier.verify(await sign(key, { claims: { roles: 'admin' } })));
  });

  it('reports an expired token as TOKEN_EXPIRED, but allows the clock tolerance', async () => {
    const key = await makeKey('k1');
    const { verifier, state } = setup([key], { clockToleranceSec: 5 });
    const token = await sign(key, { ttlSec: 60 });

    state.clock = START + 64_000;
    await expect(verifier.verify(token)).resolves.toMatchObject({ userId: 'user-1' });

    state.clock = START + 66_000;
    const err = await rejection(verifier.verify(token));
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.reason).toBe('TOKEN_EXPIRED');
    expect(err.message).toBe('the bearer token has expired');
  });

  it('rejects a token that is not valid yet', async () => {
    const key = await makeKey('k1');
    const { verifier } = setup([key]);

    await expectInvalid(verifier.verify(await sign(key, { claims: { nbf: Math.floor(START / 1000) + 60 } })));
  });

  it('rejects a token signed by another key under a known kid', async () => {
    const key = await makeKey('k1');
    const impostor = await makeKey('k1');
    const { verifier } = setup([key]);

    await expectInvalid(verifier.verify(await sign(impostor)));
  });

  it('reports a forged token as invalid even when it is also expired', async () => {
    const key = await makeKey('k1');
    const impostor = await makeKey('k1');
    const { verifier } = setup([key]);

    await expectInvalid(verifier.verify(await sign(impostor, { iat: Math.floor(START / 1000) - 3600, ttlSec: 60 })));
  });

  it('rejects an unsigned alg none token without fetching keys', async () => {
    const key = await makeKey('k1');
    const { verifier, state } = setup([key]);
    const unsigned = new UnsecuredJWT({ roles: ['admin'] })
      .setSubject('user-1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(Math.floor(START / 1000) + 900)
      .encode();
    const withKid = `${b64url({ alg: 'none', kid: 'k1' })}.${unsigned.split('.')[1]}.`;

    await expectInvalid(verifier.verify(unsigned));
    await expectInvalid(verifier.verify(withKid));
    expect(state.fetches).toBe(0);
  });

  it('rejects an HS256 token whose secret is the public key', async () => {
    const key = await makeKey('k1');
    const { verifier } = setup([key]);
    const pem = new TextEncoder().encode(await exportSPKI(key.publicKey));
    const raw = Buffer.from(String(key.jwk.x), 'base64url');

    for (const secret of [pem, new Uint8Array(raw)]) {
      const token = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setSubject('user-1')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime(Math.floor(START / 1000) + 900)
        .sign(secret);
      await expectInvalid(verifier.verify(token));
    }
  });

  it('rejects a token whose alg does not match its key', async () => {
    const ed = await makeKey('k1');
    const ec = await makeKey('ec1', 'ES256');
    const { verifier } = setup([ed, ec]);
    const token = await sign(ec, { kid: 'k1' });

    await expectInvalid(verifier.verify(token));
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const key = await makeKey('k1');
    const { verifier } = setup([key]);
    const [header, payload, signature] = (await sign(key)).split('.');
    const claims = JSON.parse(Buffer.from(String(payload), 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${b64url({ ...claims, roles: ['admin'] })}.${signature}`;

    await expectInvalid(verifier.verify(tampered));
  });

  it('rejects a token from another issuer or for another audience', async () => {
    const key = await makeKey('k1');
    const { verifier } = setup([key]);

    await expectInvalid(verifier.verify(await sign(key, { issuer: 'https://evil.example' })));
    await expectInvalid(verifier.verify(await sign(key, { audience: 'another-app' })));
  });

  it('rejects a token without a subject or without a kid', async () => {
    const key = await makeKey('k1');
    const { verifier } = setup([key]);

    await expectInvalid(verifier.verify(await sign(key, { sub: undefined })));
    await expectInvalid(verifier.verify(await sign(key, { kid: undefined })));
  });

  it('rejects malformed input without echoing it', async () => {
    const key = await makeKey('k1');
    const { verifier } = setup([key]);

    for (const junk of ['', 'secret-looking-garbage', 'a.b.c', `${b64url({ alg: 'EdDSA', kid: 'k1' })}.x.y`]) {
      const err = await rejection(verifier.verify(junk));
      expect(err.code).toBe(status.UNAUTHENTICATED);
      expect(err.message).toBe('invalid bearer token');
    }
  });

  it('accepts a rotated key by refreshing once the refresh interval allows it', async () => {
    const oldKey = await makeKey('old');
    const newKey = await makeKey('new');
    const { verifier, state } = setup([oldKey], { minRefreshIntervalMs: 30_000 });
    await verifier.verify(await sign(oldKey));
    state.keys = [oldKey, newKey];
    state.clock = START + 30_000;

    const user = await verifier.verify(await sign(newKey, { iat: Math.floor(state.clock / 1000) }));

    expect(user.userId).toBe('user-1');
    expect(state.fetches).toBe(2);
    await expect(verifier.verify(await sign(oldKey))).resolves.toMatchObject({ userId: 'user-1' });
    expect(state.fetches).toBe(2);
  });

  it('fetches no more than once per interval however many unknown kids arrive', async () => {
    const key = await makeKey('k1');
    const { verifier, state } = setup([key], { minRefreshIntervalMs: 30_000 });
    await verifier.verify(await sign(key));

    for (let i = 0; i < 25; i++) {
      await expectInvalid(verifier.verify(await sign(key, { kid: `random-${i}` })));
    }
    expect(state.fetches).toBe(1);

    state.clock = START + 31_000;
    const flood = await Promise.all(
      Array.from({ length: 25 }, async (_, i) => sign(key, { kid: `again-${i}`, iat: Math.floor(state.clock / 1000) })),
    );
    await Promise.all(flood.map((t) => expectInvalid(verifier.verify(t))));
    expect(state.fetches).toBe(2);
  });

  it('shares one fetch between concurrent first verifies', async () => {
    const key = await makeKey('k1');
    const { verifier, state } = setup([key]);
    const token = await sign(key);

    const users = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(token)));

    expect(users).toHaveLength(20);
    expect(state.fetches).toBe(1);
  });

  it('reports UNAVAILABLE when it cannot fetch the keys, and recovers after a short backoff', async () => {
    const key = await makeKey('k1');
    const { verifier, state } = setup([key]);
    const token = await sign(key);
    state.fail = true;

    const err = await rejection(verifier.verify(token));
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.reason).toBe('AUTH_KEYS_UNAVAILABLE');
    expect(err.message).toBe('cannot verify tokens right now');
    expect(err.details.retryAfterMs).toBe(1000);
    expect(err.message).not.toContain('ECONNREFUSED');

    // Within the backoff the users service is left alone.
    expect((await rejection(verifier.verify(token))).code).toBe(status.UNAVAILABLE);
    expect(state.fetches).toBe(1);

    state.fail = false;
    state.clock = START + 1000;
    await expect(verifier.verify(token)).resolves.toMatchObject({ userId: 'user-1' });
    expect(state.fetches).toBe(2);
  });

  it('reports UNAVAILABLE for an unknown kid when the refresh fails, and keeps the keys it had', async () => {
    const key = await makeKey('k1');
    const newKey = await makeKey('k2');
    const { verifier, state } = setup([key]);
    await verifier.verify(await sign(key));
    state.fail = true;
    state.clock = START + 30_000;

    const err = await rejection(verifier.verify(await sign(newKey, { iat: Math.floor(state.clock / 1000) })));

    expect(err.code).toBe(status.UNAVAILABLE);
    await expect(verifier.verify(await sign(key, { iat: Math.floor(state.clock / 1000) }))).resolves.toMatchObject({
      userId: 'user-1',
    });
  });

  it('stops accepting a key the users service withdrew once the key set is refreshed for age', async () => {
    const withdrawn = await makeKey('k1');
    const current = await makeKey('k2');
    const { verifier, state } = setup([withdrawn, current], { keySetMaxAgeMs: 600_000 });
    await verifier.verify(await sign(withdrawn));
    state.keys = [current];
    state.clock = START + 600_000;
    const iat = Math.floor(state.clock / 1000);

    // The verify that notices the age still uses the set it has and refreshes in the background.
    await expect(verifier.verify(await sign(withdrawn, { iat }))).resolves.toMatchObject({ userId: 'user-1' });
    await new Promise((resolve) => setImmediate(resolve));

    expect(state.fetches).toBe(2);
    await expectInvalid(verifier.verify(await sign(withdrawn, { iat })));
  });

  it('ignores keys it cannot use and keeps the others', async () => {
    const key = await makeKey('k1');
    const { verifier } = setup([
      { ...key, kid: 'hmac', jwk: { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac', alg: 'HS256', use: 'sig' } },
      { ...key, kid: 'broken', jwk: { kty: 'OKP', crv: 'Ed25519', x: 'not-a-key', kid: 'broken', alg: '', use: '' } },
      { ...key, kid: 'enc', jwk: { ...key.jwk, kid: 'enc', use: 'enc' } },
      key,
    ]);

    await expectInvalid(verifier.verify(await sign(key, { kid: 'hmac', alg: 'EdDSA' })));
    await expectInvalid(verifier.verify(await sign(key, { kid: 'enc' })));
    await expect(verifier.verify(await sign(key))).resolves.toMatchObject({ userId: 'user-1' });
  });
});
