import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status as Code } from '@grpc/grpc-js';
import { createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import { openDatabase } from '@shop/kit';
import {
  backends,
  createTestAuth,
  dropSchema,
  startTestService,
  TEST_DATABASE_URL,
  type Backend,
  type TestAuth,
  type TestService,
} from '@shop/kit/testing';
import { ShopError } from '@shop/sdk/lib/errors';
import { createPromiseClient } from '@shop/sdk/lib/promise-client';
import { AuthServiceDefinition, type JsonWebKey } from '@shop/sdk/ts/shop/users/v1/auth_service';
import { Role } from '@shop/sdk/ts/shop/users/v1/user';
import { UserServiceDefinition } from '@shop/sdk/ts/shop/users/v1/user_service';
import { usersService } from '../src/service';

const ADMIN = { email: 'root@shop.example', password: 'root-password-1' };
const MAX_DELAY_SECONDS = 2;
const ENV = {
  // Reuse detection logs a warning by design; keep the test output to errors.
  LOG_LEVEL: 'error',
  // scrypt N = 2^10 instead of 2^15: the same code, a fraction of the time.
  PASSWORD_HASH_COST: '10',
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  LOGIN_MAX_FAILURES: '5',
  LOGIN_BASE_DELAY: '300ms',
  LOGIN_LOCK_DURATION: `${MAX_DELAY_SECONDS}s`,
};
const PASSWORD = 'correct-horse-battery-1';

function connect(address: string) {
  const options = { defaultDeadlineMs: 5_000 };
  return {
    users: createPromiseClient(UserServiceDefinition, address, credentials.createInsecure(), options),
    auth: createPromiseClient(AuthServiceDefinition, address, credentials.createInsecure(), options),
  };
}
type Clients = ReturnType<typeof connect>;

function bearer(token: string) {
  return { metadata: { authorization: `Bearer ${token}` } };
}

function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomBytes(4).toString('hex')}@example.com`;
}

async function failure(call: Promise<unknown>): Promise<ShopError> {
  const outcome = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(ShopError);
  return outcome as ShopError;
}

/** REVOCATION_BOUND_MS is how soon an ended session's access tokens must be refused (issue #14: within 5 s). */
const REVOCATION_BOUND_MS = 5_000;

/** refusedWithin asks GetCurrentUser with an access token until it is refused as a revoked session, within the bound. */
async function refusedWithin(c: Clients, accessToken: string): Promise<ShopError> {
  const until = Date.now() + REVOCATION_BOUND_MS;
  for (;;) {
    const outcome = await c.users.getCurrentUser({}, bearer(accessToken)).then(
      () => undefined,
      (err: unknown) => err as ShopError,
    );
    if (outcome?.reason === 'SESSION_REVOKED' || Date.now() > until) {
      expect(outcome).toBeInstanceOf(ShopError);
      expect(outcome!.code).toBe(Code.UNAUTHENTICATED);
      expect(outcome!.reason).toBe('SESSION_REVOKED');
      return outcome!;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** publicKeys turns GetJwks keys into plain JWKs for jose, dropping proto3's empty strings. */
function publicKeys(keys: readonly JsonWebKey[]): JWK[] {
  return keys.map((k) => ({ ...(Object.fromEntries(Object.entries(k).filter(([, v]) => v !== '')) as Partial<JsonWebKey>), kty: k.kty }));
}

async function signUp(c: Clients, tag = 'user') {
  const email = uniqueEmail(tag);
  const { user } = await c.users.register({ email, password: PASSWORD, displayName: `Test ${tag}` });
  const { tokens } = await c.auth.login({ email, password: PASSWORD });
  return { email, user: user!, tokens: tokens! };
}

describe.each(backends())('the users service on %s', (backend: Backend) => {
  let testAuth: TestAuth;
  let svc: TestService;
  let c: Clients;

  beforeAll(async () => {
    testAuth = await createTestAuth();
    svc = await startTestService(usersService, { auth: testAuth, backend, env: ENV });
    c = connect(svc.address);
  });
  afterAll(async () => {
    c.users.close();
    c.auth.close();
    await svc.stop();
    testAuth.cleanup();
  });

  it('carries a customer through register, login, profile, refresh, reuse detection and logout', async () => {
    const raw = `  New.Customer-${randomBytes(3).toString('hex')}@Example.COM `;
    const { user } = await c.users.register({ email: raw, password: PASSWORD, displayName: 'New Customer' });
    expect(user).toMatchObject({ email: raw.trim().toLowerCase(), displayName: 'New Customer', roles: [Role.ROLE_CUSTOMER] });
    expect(user!.id).toMatch(/^[0-9a-f-]{36}$/);

    const login = await c.auth.login({ email: raw.toUpperCase(), password: PASSWORD });
    expect(login.user?.id).toBe(user!.id);
    const first = login.tokens!;
    expect(first.tokenType).toBe('Bearer');
    expect(first.expiresIn).toEqual({ seconds: 900n, nanos: 0 });
    expect(first.refreshExpiresIn).toEqual({ seconds: BigInt(30 * 86_400), nanos: 0 });

    const me = await c.users.getCurrentUser({}, bearer(first.accessToken));
    expect(me.user).toMatchObject({ id: user!.id, email: user!.email });

    const updated = await c.users.updateCurrentUser(
      { user: { displayName: '  Ada L. ' }, updateMask: ['display_name'] },
      bearer(first.accessToken),
    );
    expect(updated.user?.displayName).toBe('Ada L.');
    expect(updated.user!.updateTime!.getTime()).toBeGreaterThanOrEqual(updated.user!.createTime!.getTime());

    const second = (await c.auth.refreshToken({ refreshToken: first.refreshToken })).tokens!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await c.users.getCurrentUser({}, bearer(second.accessToken))).user?.displayName).toBe('Ada L.');

    // Presenting the rotated token again revokes the whole family...
    const reused = await failure(c.auth.refreshToken({ refreshToken: first.refreshToken }));
    expect(reused.code).toBe(Code.UNAUTHENTICATED);
    expect(reused.reason).toBe('REFRESH_TOKEN_REUSED');
    // ...so the token it was exchanged for is dead too.
    const revoked = await failure(c.auth.refreshToken({ refreshToken: second.refreshToken }));
    expect(revoked.code).toBe(Code.UNAUTHENTICATED);
    expect(revoked.reason).toBe('UNAUTHENTICATED');

    // ...and so is the access token of that family, once the verifier has heard of it.
    await refusedWithin(c, second.accessToken);

    const third = (await c.auth.login({ email: user!.email, password: PASSWORD })).tokens!;
    const fourth = (await c.auth.login({ email: user!.email, password: PASSWORD })).tokens!;
    await c.auth.logout({ refreshToken: third.refreshToken });
    await c.auth.logout({ refreshToken: third.refreshToken });
    const afterLogout = await failure(c.auth.refreshToken({ refreshToken: third.refreshToken }));
    expect(afterLogout.code).toBe(Code.UNAUTHENTICATED);
    // Logout ends the session's access token too, and only that session's.
    await refusedWithin(c, third.accessToken);
    expect((await c.users.getCurrentUser({}, bearer(fourth.accessToken))).user?.id).toBe(user!.id);
  });

  it('refuses a second account with the same email in another case', async () => {
    const email = uniqueEmail('dup');
    await c.users.register({ email, password: PASSWORD, displayName: 'First' });
    const err = await failure(c.users.register({ email: ` ${email.toUpperCase()}`, password: PASSWORD, displayName: 'Second' }));
    expect(err.code).toBe(Code.ALREADY_EXISTS);
    expect(err.reason).toBe('ALREADY_EXISTS');
    expect(err.errorDetails.resourceInfo).toMatchObject({ resourceType: 'user', resourceName: email });
  });

  it('refuses a weak password with a violation on password for each rule it breaks', async () => {
    const err = await failure(c.users.register({ email: uniqueEmail(), password: 'password', displayName: 'Weak' }));
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.errorDetails.badRequest?.fieldViolations).toEqual([
      expect.objectContaining({ field: 'password', description: 'must be at least 10 characters' }),
      expect.objectContaining({ field: 'password', description: 'must contain at least one letter and one digit' }),
    ]);
  });

  it('reports every invalid registration field at once', async () => {
    const err = await failure(c.users.register({ email: 'not-an-email', password: '1234567890', displayName: '' }));
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.errorDetails.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['email', 'password', 'display_name']);
  });

  it('answers an unknown email and a wrong password in exactly the same way', async () => {
    const { email } = await signUp(c, 'same');
    const unknown = await failure(c.auth.login({ email: uniqueEmail('nobody'), password: PASSWORD }));
    const wrong = await failure(c.auth.login({ email, password: 'wrong-password-1' }));
    for (const err of [unknown, wrong]) {
      expect(err.code).toBe(Code.UNAUTHENTICATED);
      expect(err.reason).toBe('INVALID_CREDENTIALS');
    }
    expect(wrong.details).toBe(unknown.details);
    expect(Object.keys(wrong.errorDetails).sort()).toEqual(Object.keys(unknown.errorDetails).sort());
  });

  /** from makes a call look as if the gateway forwarded it for a client at `address`. */
  const from = (address: string) => ({ metadata: { 'x-forwarded-for': address } });
  const retryMs = (err: ShopError) => {
    const delay = err.errorDetails.retryInfo?.retryDelay;
    return Number(delay?.seconds ?? 0) * 1000 + (delay?.nanos ?? 0) / 1e6;
  };

  it('slows whoever hammers an account with growing delays, while its owner logs in from another address (the admin included)', async () => {
    const attacker = from('203.0.113.7');
    // Five free failures, then each one doubles the wait before the next attempt from that address.
    for (let i = 0; i < 6; i++) {
      expect((await failure(c.auth.login({ email: ADMIN.email, password: `wrong-password-${i}` }, attacker))).reason).toBe('INVALID_CREDENTIALS');
    }
    // Too soon, even with the right password: wait, with RetryInfo saying how long.
    const first = await failure(c.auth.login({ email: ADMIN.email, password: ADMIN.password }, attacker));
    expect(first.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(first.reason).toBe('ACCOUNT_LOCKED');
    expect(retryMs(first)).toBeGreaterThan(0);
    expect(retryMs(first)).toBeLessThanOrEqual(300);

    // The admin, from its own address, is not locked out (before: 15 minutes, even with the right password).
    const admin = await c.auth.login({ email: ADMIN.email, password: ADMIN.password }, from('198.51.100.2'));
    expect(admin.user?.email).toBe(ADMIN.email);
    // Nor over a direct connection without a forwarded address.
    await c.auth.login({ email: ADMIN.email, password: ADMIN.password });

    // The next failure from the attacker's address doubles the wait.
    await new Promise((r) => setTimeout(r, retryMs(first) + 20));
    await failure(c.auth.login({ email: ADMIN.email, password: 'wrong-password-7' }, attacker));
    const second = await failure(c.auth.login({ email: ADMIN.email, password: 'wrong-password-8' }, attacker));
    expect(second.reason).toBe('ACCOUNT_LOCKED');
    expect(retryMs(second)).toBeGreaterThan(300);
    expect(retryMs(second)).toBeLessThanOrEqual(600);

    // Once the wait is over, the right password works from there too, and the count starts again.
    await new Promise((r) => setTimeout(r, retryMs(second) + 20));
    await c.auth.login({ email: ADMIN.email, password: ADMIN.password }, attacker);
    for (let i = 0; i < 5; i++) await failure(c.auth.login({ email: ADMIN.email, password: 'wrong-password-1' }, attacker));
    await c.auth.login({ email: ADMIN.email, password: ADMIN.password }, attacker);
  });

  it('answers an unknown email exactly as a known one with a wrong password, throttling included', async () => {
    const { email } = await signUp(c, 'known');
    const nobody = uniqueEmail('nobody');
    const attacker = from('203.0.113.9');
    const answers = async (address: string) => {
      const seen: string[] = [];
      for (let i = 0; i < 7; i++) seen.push((await failure(c.auth.login({ email: address, password: 'wrong-password-1' }, attacker))).reason);
      return seen;
    };
    const known = await answers(email);
    expect(known).toEqual([...Array(6).fill('INVALID_CREDENTIALS'), 'ACCOUNT_LOCKED']);
    expect(await answers(nobody)).toEqual(known);
  });

  it('lets only admins list and get users, with the first admin from ADMIN_EMAIL', async () => {
    const customer = await signUp(c, 'cust');
    for (const call of [
      c.users.listUsers({}, bearer(customer.tokens.accessToken)),
      c.users.getUser({ userId: customer.user.id }, bearer(customer.tokens.accessToken)),
    ]) {
      expect((await failure(call)).code).toBe(Code.PERMISSION_DENIED);
    }

    const admin = await c.auth.login({ email: ADMIN.email, password: ADMIN.password });
    expect(admin.user?.roles).toEqual([Role.ROLE_ADMIN, Role.ROLE_CUSTOMER]);
    const asAdmin = bearer(admin.tokens!.accessToken);
    const listed = await c.users.listUsers({ emailPrefix: customer.email }, asAdmin);
    expect(listed.users.map((u) => u.id)).toEqual([customer.user.id]);
    expect((await c.users.getUser({ userId: customer.user.id }, asAdmin)).user).toMatchObject({ email: customer.email });

    const missing = await failure(c.users.getUser({ userId: randomUUID() }, asAdmin));
    expect(missing.code).toBe(Code.NOT_FOUND);
    const malformed = await failure(c.users.getUser({ userId: 'not-a-uuid' }, asAdmin));
    expect(malformed.code).toBe(Code.INVALID_ARGUMENT);
    expect(malformed.errorDetails.badRequest?.fieldViolations[0]?.field).toBe('user_id');
  });

  it('pages through users newest first, filtered by email prefix', async () => {
    const prefix = `page-${randomBytes(4).toString('hex')}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await c.users.register({ email: `${prefix}-${i}@example.com`, password: PASSWORD, displayName: `P${i}` })).user!.id);
    }
    const { tokens } = await c.auth.login({ email: ADMIN.email, password: ADMIN.password });
    const asAdmin = bearer(tokens!.accessToken);

    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await c.users.listUsers({ pageSize: 2, pageToken, emailPrefix: prefix.toUpperCase() }, asAdmin);
      expect(page.users.length).toBeLessThanOrEqual(2);
      seen.push(...page.users.map((u) => u.id));
      pageToken = page.nextPageToken;
      pages += 1;
    } while (pageToken !== '');
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());

    const firstPage = await c.users.listUsers({ pageSize: 2, emailPrefix: prefix }, asAdmin);
    const otherFilter = await failure(c.users.listUsers({ pageSize: 2, pageToken: firstPage.nextPageToken, emailPrefix: 'x' }, asAdmin));
    expect(otherFilter.errorDetails.badRequest?.fieldViolations[0]?.field).toBe('page_token');
    const junk = await failure(c.users.listUsers({ pageToken: 'junk' }, asAdmin));
    expect(junk.code).toBe(Code.INVALID_ARGUMENT);
    const negative = await failure(c.users.listUsers({ pageSize: -1 }, asAdmin));
    expect(negative.errorDetails.badRequest?.fieldViolations[0]?.field).toBe('page_size');
    // Oversized pages are clamped to 100, not refused.
    expect((await c.users.listUsers({ pageSize: 1_000, emailPrefix: prefix }, asAdmin)).users).toHaveLength(5);
  });

  it('shows each customer only their own account', async () => {
    const a = await signUp(c, 'a');
    const b = await signUp(c, 'b');
    expect((await c.users.getCurrentUser({}, bearer(a.tokens.accessToken))).user?.id).toBe(a.user.id);
    expect((await c.users.getCurrentUser({}, bearer(b.tokens.accessToken))).user?.id).toBe(b.user.id);
    // Updates go to the caller's account only, whatever id the request carries.
    await c.users.updateCurrentUser({ user: { id: a.user.id, displayName: 'Not B' }, updateMask: ['display_name'] }, bearer(b.tokens.accessToken));
    expect((await c.users.getCurrentUser({}, bearer(a.tokens.accessToken))).user?.displayName).toBe('Test a');
    expect((await c.users.getCurrentUser({}, bearer(b.tokens.accessToken))).user?.displayName).toBe('Not B');
  });

  it('needs a valid token for the caller’s own account', async () => {
    expect((await failure(c.users.getCurrentUser({}))).code).toBe(Code.UNAUTHENTICATED);
    const forged = await testAuth.userToken({ userId: randomUUID() });
    expect((await failure(c.users.getCurrentUser({}, bearer(forged)))).code).toBe(Code.UNAUTHENTICATED);
  });

  it('refuses update masks that name immutable or unknown fields, naming the path', async () => {
    const { tokens } = await signUp(c, 'mask');
    const immutable = await failure(
      c.users.updateCurrentUser({ user: { displayName: 'Fine', email: 'x@example.com' }, updateMask: ['display_name', 'email'] }, bearer(tokens.accessToken)),
    );
    expect(immutable.code).toBe(Code.INVALID_ARGUMENT);
    expect(immutable.errorDetails.badRequest?.fieldViolations).toEqual([
      expect.objectContaining({ field: 'update_mask.paths[1]', description: expect.stringContaining('"email"') }),
    ]);
    const unknown = await failure(c.users.updateCurrentUser({ user: {}, updateMask: ['nickname'] }, bearer(tokens.accessToken)));
    expect(unknown.errorDetails.badRequest?.fieldViolations[0]?.description).toContain('"nickname"');
    const empty = await failure(c.users.updateCurrentUser({ user: { displayName: ' ' }, updateMask: ['display_name'] }, bearer(tokens.accessToken)));
    expect(empty.errorDetails.badRequest?.fieldViolations[0]?.field).toBe('user.display_name');
  });

  it('issues access tokens that verify against the published keys with jose', async () => {
    const { user, tokens } = await signUp(c, 'jwt');
    const header = decodeProtectedHeader(tokens.accessToken);
    expect(header.alg).toBe('EdDSA');
    expect(header.kid).toEqual(expect.any(String));

    const { keys } = await c.auth.getJwks({});
    expect(keys.map((k) => k.kid)).toContain(header.kid);
    for (const k of keys) expect(k).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    const jwks = publicKeys(keys);
    for (const k of jwks) expect(k).not.toHaveProperty('d');

    const { payload } = await jwtVerify(tokens.accessToken, createLocalJWKSet({ keys: jwks }), {
      algorithms: ['EdDSA'],
      issuer: 'shop-users',
      audience: 'shop',
    });
    expect(payload).toMatchObject({ sub: user.id, roles: ['customer'] });
    expect(payload.exp! - payload.iat!).toBe(900);

    const admin = await c.auth.login({ email: ADMIN.email, password: ADMIN.password });
    const adminClaims = (await jwtVerify(admin.tokens!.accessToken, createLocalJWKSet({ keys: jwks }))).payload;
    expect(adminClaims.roles).toEqual(['admin', 'customer']);
  });

  it('lets exactly one of two concurrent refreshes with the same token succeed', async () => {
    const { tokens } = await signUp(c, 'race');
    const results = await Promise.allSettled([
      c.auth.refreshToken({ refreshToken: tokens.refreshToken }),
      c.auth.refreshToken({ refreshToken: tokens.refreshToken }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect((rejected?.reason as ShopError).code).toBe(Code.UNAUTHENTICATED);
  });

  it('revokes every refresh token when the password changes', async () => {
    const { email, tokens } = await signUp(c, 'pw');
    const other = (await c.auth.login({ email, password: PASSWORD })).tokens!;
    const asUser = bearer(tokens.accessToken);

    const wrong = await failure(c.users.changePassword({ currentPassword: 'wrong-password-1', newPassword: 'another-password-2' }, asUser));
    expect(wrong.code).toBe(Code.INVALID_ARGUMENT);
    expect(wrong.errorDetails.badRequest?.fieldViolations[0]?.field).toBe('current_password');
    const weak = await failure(c.users.changePassword({ currentPassword: PASSWORD, newPassword: 'weak' }, asUser));
    expect(weak.errorDetails.badRequest?.fieldViolations[0]?.field).toBe('new_password');

    await c.users.changePassword({ currentPassword: PASSWORD, newPassword: 'another-password-2' }, asUser);
    for (const t of [tokens, other]) expect((await failure(c.auth.refreshToken({ refreshToken: t.refreshToken }))).code).toBe(Code.UNAUTHENTICATED);
    // Every access token issued before the change is refused as well.
    for (const t of [tokens, other]) await refusedWithin(c, t.accessToken);
    expect((await failure(c.auth.login({ email, password: PASSWORD }))).reason).toBe('INVALID_CREDENTIALS');
    const fresh = (await c.auth.login({ email, password: 'another-password-2' })).tokens!;
    expect((await c.users.getCurrentUser({}, bearer(fresh.accessToken))).user?.email).toBe(email);
  });

  it('deletes an account so that it can no longer log in or refresh', async () => {
    const { email, tokens } = await signUp(c, 'del');
    const asUser = bearer(tokens.accessToken);
    const wrong = await failure(c.users.deleteCurrentUser({ password: 'wrong-password-1' }, asUser));
    expect(wrong.errorDetails.badRequest?.fieldViolations[0]?.field).toBe('password');

    await c.users.deleteCurrentUser({ password: PASSWORD }, asUser);
    const login = await failure(c.auth.login({ email, password: PASSWORD }));
    expect(login.reason).toBe('INVALID_CREDENTIALS');
    expect((await failure(c.auth.refreshToken({ refreshToken: tokens.refreshToken }))).code).toBe(Code.UNAUTHENTICATED);
    // The access token is still within its lifetime, but its session ended with the account.
    await refusedWithin(c, tokens.accessToken);
    // The email is free again.
    await c.users.register({ email, password: PASSWORD, displayName: 'Back again' });
  });

  it('refuses a malformed or unknown refresh token and treats logout of one as done', async () => {
    for (const refreshToken of ['junk', randomBytes(32).toString('base64url')]) {
      const err = await failure(c.auth.refreshToken({ refreshToken }));
      expect(err.code).toBe(Code.UNAUTHENTICATED);
      await c.auth.logout({ refreshToken });
    }
    const missing = await failure(c.auth.refreshToken({ refreshToken: '' }));
    expect(missing.errorDetails.badRequest?.fieldViolations[0]?.field).toBe('refresh_token');
  });
});

describe.each(backends())('the users service restarted on %s', (backend: Backend) => {
  let testAuth: TestAuth;
  let dataDir: string;
  const schema = `t_users_restart_${randomBytes(4).toString('hex')}`;
  const SECRET = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    testAuth = await createTestAuth();
    dataDir = mkdtempSync(join(tmpdir(), 'shop-users-restart-'));
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (backend === 'postgres') await dropSchema(schema);
    testAuth.cleanup();
  });

  async function start(env: Record<string, string> = {}) {
    const svc = await startTestService(usersService, {
      auth: testAuth,
      backend,
      dataDir,
      schema,
      env: {
        LOG_LEVEL: 'error',
        PASSWORD_HASH_COST: '10',
        DEMO_DATA: join(__dirname, '..', '..', '..', 'demo', 'shop.json'),
        JWT_KEY_ENCRYPTION_SECRET: SECRET,
        ...env,
      },
    });
    return { svc, c: connect(svc.address) };
  }
  async function stop({ svc, c }: Awaited<ReturnType<typeof start>>) {
    c.users.close();
    c.auth.close();
    await svc.stop();
  }

  it('keeps its signing key, so tokens issued before the restart still verify', async () => {
    const first = await start();
    const login = await first.c.auth.login({ email: 'ada@shop.example', password: 'customer-password-1' });
    const kids = (await first.c.auth.getJwks({})).keys.map((k) => k.kid);
    expect(kids).toHaveLength(1);
    await stop(first);

    const second = await start();
    try {
      expect((await second.c.auth.getJwks({})).keys.map((k) => k.kid)).toEqual(kids);
      const me = await second.c.users.getCurrentUser({}, bearer(login.tokens!.accessToken));
      expect(me.user?.email).toBe('ada@shop.example');
      await second.c.auth.refreshToken({ refreshToken: login.tokens!.refreshToken });
      // The demo users were loaded once: the second start found the table filled.
      const admin = await second.c.auth.login({ email: 'admin@shop.example', password: 'admin-password-1' });
      const all = await second.c.users.listUsers({}, bearer(admin.tokens!.accessToken));
      expect(all.users.map((u) => u.email).sort()).toEqual(['ada@shop.example', 'admin@shop.example']);
    } finally {
      await stop(second);
    }
  });

  it('stores generated private keys only sealed with JWT_KEY_ENCRYPTION_SECRET', async () => {
    // The service is stopped: open its storage directly, as an attacker with the files would.
    const db = await openDatabase({ service: 'users', dataRoot: dataDir, databaseUrl: backend === 'postgres' ? TEST_DATABASE_URL : undefined, schema });
    try {
      const { rows } = await db.query<{ private_jwk: string; public_jwk: JWK }>('SELECT private_jwk, public_jwk FROM signing_keys');
      expect(rows).toHaveLength(1);
      expect(rows[0]!.private_jwk).toMatch(/^v1\./);
      expect(rows[0]!.private_jwk).not.toContain('"d"');
      expect(rows[0]!.public_jwk).not.toHaveProperty('d');
    } finally {
      await db.close();
    }
  });

  it('signs with a key from JWT_PRIVATE_KEY and publishes it next to the generated one', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const configured = { ...(await exportJWK(privateKey)), kid: 'configured-1' };
    // No activation delay, so the configured key signs at once even though a generated key exists.
    const running = await start({ JWT_PRIVATE_KEY: JSON.stringify(configured), JWT_KEY_ACTIVATION_DELAY: '0s' });
    try {
      const { keys } = await running.c.auth.getJwks({});
      expect(keys.map((k) => k.kid)).toContain('configured-1');
      expect(keys).toHaveLength(2);
      for (const k of keys) expect(k).not.toHaveProperty('d');
      const login = await running.c.auth.login({ email: 'ada@shop.example', password: 'customer-password-1' });
      expect(decodeProtectedHeader(login.tokens!.accessToken).kid).toBe('configured-1');
      await running.c.users.getCurrentUser({}, bearer(login.tokens!.accessToken));
    } finally {
      await stop(running);
    }
  });
});
