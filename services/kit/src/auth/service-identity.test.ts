import { status } from '@grpc/grpc-js';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { DomainError } from '../errors/domain-error';
import { createServiceIdentity, createServiceTokenVerifier } from './service-identity';
import { loadOrCreateServiceKey, privateKeyPath, publicKeyPath } from './service-keys';

const START = Date.parse('2030-01-01T00:00:00Z');
const START_SEC = Math.floor(START / 1000);

let root: string;
let keysDir: string;
let clock: number;
const now = (): number => clock;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'shop-identity-'));
  keysDir = join(root, 'keys');
  clock = START;
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Forgery {
  kid?: string;
  alg?: string;
  typ?: string | undefined;
  iss?: string;
  aud?: string | string[];
  sub?: string;
  iat?: number;
  exp?: number;
}

/** forge signs a token by hand, defaulting to a valid orders token, so each test changes one thing. */
async function forge(key: KeyLike | Uint8Array, f: Forgery = {}): Promise<string> {
  const iat = f.iat ?? START_SEC;
  const header: Record<string, unknown> = { alg: f.alg ?? 'EdDSA', kid: f.kid ?? 'orders' };
  const typ = 'typ' in f ? f.typ : 'service+jwt';
  if (typ !== undefined) header['typ'] = typ;
  return new SignJWT({})
    .setProtectedHeader(header as { alg: string })
    .setIssuer(f.iss ?? 'shop-service')
    .setAudience(f.aud ?? 'inventory')
    .setSubject(f.sub ?? 'orders')
    .setIssuedAt(iat)
    .setExpirationTime(f.exp ?? iat + 300)
    .sign(key);
}

async function expectRejected(promise: Promise<unknown>): Promise<void> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(status.UNAUTHENTICATED);
  expect((err as DomainError).message).toBe('invalid service token');
}

describe('createServiceIdentity', () => {
  it('mints a token that verifies to the calling service', async () => {
    const identity = await createServiceIdentity({ service: 'orders', keysDir, now });
    const verifier = createServiceTokenVerifier({ keysDir, now });

    await expect(verifier.verify(await identity.token('inventory'))).resolves.toEqual({ kind: 'service', service: 'orders', audience: 'inventory' });
  });

  it('puts the documented header and claims in the token', async () => {
    const identity = await createServiceIdentity({ service: 'orders', keysDir, ttlSec: 120, now });

    const token = await identity.token('inventory');

    expect(identity.service).toBe('orders');
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: 'orders', typ: 'service+jwt' });
    expect(decodeJwt(token)).toEqual({
      iss: 'shop-service',
      sub: 'orders',
      aud: 'inventory',
      iat: START_SEC,
      exp: START_SEC + 120,
    });
  });

  it('writes its key pair on first start and reuses it on the next', async () => {
    const first = await createServiceIdentity({ service: 'orders', keysDir, now });
    const publicFile = publicKeyPath(keysDir, 'orders');
    const publicBefore = await readFile(publicFile, 'utf8');
    const verifier = createServiceTokenVerifier({ keysDir, now });
    await verifier.verify(await first.token('inventory'));

    const second = await createServiceIdentity({ service: 'orders', keysDir, now });

    expect(await readFile(publicFile, 'utf8')).toBe(publicBefore);
    await expect(verifier.verify(await second.token('inventory'))).resolves.toEqual({ kind: 'service', service: 'orders', audience: 'inventory' });
  });

  it('mints one token per callee, each naming it, and refuses a callee that is not a service name', async () => {
    const identity = await createServiceIdentity({ service: 'orders', keysDir, now });
    const verifier = createServiceTokenVerifier({ keysDir, now });

    const forPayments = await identity.token('payments');
    expect(decodeJwt(forPayments).aud).toBe('payments');
    expect(await identity.token('inventory')).not.toBe(forPayments);
    expect(await identity.token('payments')).toBe(forPayments);
    await expect(verifier.verify(forPayments)).resolves.toEqual({ kind: 'service', service: 'orders', audience: 'payments' });
    await expect(identity.token('../etc')).rejects.toThrow('invalid audience');
  });

  it('reuses its token until less than a third of the lifetime is left', async () => {
    const identity = await createServiceIdentity({ service: 'orders', keysDir, ttlSec: 300, now });
    const first = await identity.token('inventory');

    clock = START + 200_000;
    expect(await identity.token('inventory')).toBe(first);

    clock = START + 201_000;
    const second = await identity.token('inventory');
    expect(second).not.toBe(first);
    expect(decodeJwt(second)).toMatchObject({ iat: START_SEC + 201, exp: START_SEC + 501 });
  });

  it('refuses a lifetime that is not a whole number of seconds up to an hour', async () => {
    await expect(createServiceIdentity({ service: 'orders', keysDir, ttlSec: 0 })).rejects.toThrow('ttlSec');
    await expect(createServiceIdentity({ service: 'orders', keysDir, ttlSec: 7200 })).rejects.toThrow('ttlSec');
  });
});

describe('createServiceTokenVerifier', () => {
  let ordersKey: KeyLike;

  beforeEach(async () => {
    ordersKey = (await loadOrCreateServiceKey('orders', keysDir)).privateKey;
    await loadOrCreateServiceKey('payments', keysDir);
  });

  it('rejects a token whose subject is another service than its key', async () => {
    const verifier = createServiceTokenVerifier({ keysDir, now });

    await expectRejected(verifier.verify(await forge(ordersKey, { sub: 'payments' })));
    await expectRejected(verifier.verify(await forge(ordersKey, { kid: 'payments', sub: 'payments' })));
  });

  it('rejects a user-style token even when signed by a service key', async () => {
    const verifier = createServiceTokenVerifier({ keysDir, now });

    await expectRejected(verifier.verify(await forge(ordersKey, { typ: undefined, iss: 'https://users.shop.example', aud: 'shopmesh' })));
    await expectRejected(verifier.verify(await forge(ordersKey, { iss: 'https://users.shop.example' })));
    await expectRejected(verifier.verify(await forge(ordersKey, { typ: 'JWT' })));
  });

  it('reads the callee from the audience, and refuses a token for several callees or none', async () => {
    const verifier = createServiceTokenVerifier({ keysDir, now });

    await expect(verifier.verify(await forge(ordersKey, { aud: 'payments' }))).resolves.toEqual({ kind: 'service', service: 'orders', audience: 'payments' });
    await expectRejected(verifier.verify(await forge(ordersKey, { aud: ['payments', 'inventory'] })));
    await expectRejected(verifier.verify(await forge(ordersKey, { aud: 'Not A Service' })));
  });

  it('rejects a service whose key is not in the directory', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const verifier = createServiceTokenVerifier({ keysDir, now });

    await expectRejected(verifier.verify(await forge(privateKey, { kid: 'ghost', sub: 'ghost' })));
  });

  it('never reads a key from outside the directory', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    await writeFile(join(root, 'evil.public.jwk.json'), JSON.stringify(await exportJWK(publicKey)));
    const verifier = createServiceTokenVerifier({ keysDir, now });

    for (const kid of ['../evil', '..', 'Orders', 'orders/../../evil', `${'a'.repeat(33)}`]) {
      await expectRejected(verifier.verify(await forge(privateKey, { kid, sub: kid })));
    }
  });

  it('accepts only EdDSA', async () => {
    const verifier = createServiceTokenVerifier({ keysDir, now });
    const { x } = JSON.parse(await readFile(publicKeyPath(keysDir, 'orders'), 'utf8')) as { x: string };
    const { privateKey: ecKey } = await generateKeyPair('ES256');

    await expectRejected(verifier.verify(await forge(Buffer.from(x, 'base64url'), { alg: 'HS256' })));
    await expectRejected(verifier.verify(await forge(ecKey, { alg: 'ES256' })));
  });

  it('rejects an expired token and one that lives longer than an hour', async () => {
    const verifier = createServiceTokenVerifier({ keysDir, now, clockToleranceSec: 5 });

    await expectRejected(verifier.verify(await forge(ordersKey, { iat: START_SEC - 400, exp: START_SEC - 6 })));
    await expectRejected(verifier.verify(await forge(ordersKey, { exp: START_SEC + 7200 })));
  });

  it('rejects a token whose signature or payload was tampered with', async () => {
    const verifier = createServiceTokenVerifier({ keysDir, now });
    const [header, , signature] = (await forge(ordersKey)).split('.');
    const payload = Buffer.from(
      JSON.stringify({ iss: 'shop-service', aud: 'shop-mesh', sub: 'orders', iat: START_SEC, exp: START_SEC + 3000 }),
    ).toString('base64url');

    await expectRejected(verifier.verify(`${header}.${payload}.${signature}`));
    await expectRejected(verifier.verify('not-a-token'));
  });

  it('picks up a service deployed after it started, reading the directory at most every 5 seconds', async () => {
    const verifier = createServiceTokenVerifier({ keysDir, now });
    const shippingKey = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const token = await forge(shippingKey.privateKey, { kid: 'shipping', sub: 'shipping' });
    await expectRejected(verifier.verify(token));

    await writeFile(publicKeyPath(keysDir, 'shipping'), JSON.stringify(await exportJWK(shippingKey.publicKey)));
    clock = START + 4_000;
    await expectRejected(verifier.verify(token));

    clock = START + 5_000;
    await expect(verifier.verify(token)).resolves.toEqual({ kind: 'service', service: 'shipping', audience: 'inventory' });
  });

  it('follows a rotated key once its file changes', async () => {
    const verifier = createServiceTokenVerifier({ keysDir, now });
    await verifier.verify(await forge(ordersKey));
    await unlink(privateKeyPath(keysDir, 'orders'));
    await unlink(publicKeyPath(keysDir, 'orders'));
    const rotated = await createServiceIdentity({ service: 'orders', keysDir, now });
    clock = START + 5_000;

    await expect(verifier.verify(await rotated.token('inventory'))).resolves.toEqual({ kind: 'service', service: 'orders', audience: 'inventory' });
    await expectRejected(verifier.verify(await forge(ordersKey, { iat: START_SEC + 5 })));
  });
});
