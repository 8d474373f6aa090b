import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { loadOrCreateServiceKey, privateKeyPath, publicKeyPath, readServicePublicKey } from './service-keys';

let keysDir: string;

beforeEach(async () => {
  keysDir = await mkdtemp(join(tmpdir(), 'shop-keys-'));
});

afterEach(async () => {
  await rm(keysDir, { recursive: true, force: true });
});

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

describe('loadOrCreateServiceKey', () => {
  it('creates a private key readable only by its owner and a public key without the private part', async () => {
    const key = await loadOrCreateServiceKey('orders', join(keysDir, 'nested'));

    const privateFile = privateKeyPath(join(keysDir, 'nested'), 'orders');
    expect((await stat(privateFile)).mode & 0o777).toBe(0o600);
    const priv = await readJson(privateFile);
    const pub = await readJson(publicKeyPath(join(keysDir, 'nested'), 'orders'));
    expect(priv).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: pub['x'] });
    expect(typeof priv['d']).toBe('string');
    expect(pub).toEqual({ kty: 'OKP', crv: 'Ed25519', x: priv['x'] });
    expect(key.publicJwk).toEqual(pub);
  });

  it('reuses the key already in the directory', async () => {
    const first = await loadOrCreateServiceKey('orders', keysDir);
    const second = await loadOrCreateServiceKey('orders', keysDir);

    expect(second.publicJwk).toEqual(first.publicJwk);
  });

  it('settles on one key when several processes start at once', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateServiceKey('orders', keysDir)));

    expect(new Set(keys.map((k) => k.publicJwk.x)).size).toBe(1);
    expect((await readJson(publicKeyPath(keysDir, 'orders')))['x']).toBe(keys[0]?.publicJwk.x);
    expect((await readdir(keysDir)).sort()).toEqual(['orders.private.jwk.json', 'orders.public.jwk.json']);
  });

  it('uses a mounted private key and writes its missing public key', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(privateKey);
    await writeFile(privateKeyPath(keysDir, 'payments'), JSON.stringify(jwk), { mode: 0o600 });

    const key = await loadOrCreateServiceKey('payments', keysDir);

    expect(key.publicJwk.x).toBe(jwk.x);
    expect((await readJson(publicKeyPath(keysDir, 'payments')))['x']).toBe(jwk.x);
  });

  it('fails when the public key file belongs to another key', async () => {
    await loadOrCreateServiceKey('orders', keysDir);
    const { publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    await writeFile(publicKeyPath(keysDir, 'orders'), JSON.stringify(await exportJWK(publicKey)));

    await expect(loadOrCreateServiceKey('orders', keysDir)).rejects.toThrow('does not match');
  });

  it('fails on a private key file that is not an Ed25519 key', async () => {
    await writeFile(privateKeyPath(keysDir, 'orders'), '{"kty":"oct","k":"c2VjcmV0"}');

    await expect(loadOrCreateServiceKey('orders', keysDir)).rejects.toThrow('is not an Ed25519 private key');
  });

  it('refuses a service name that could escape the directory', async () => {
    await expect(loadOrCreateServiceKey('../orders', keysDir)).rejects.toThrow('invalid service name');
  });
});

describe('readServicePublicKey', () => {
  it('returns undefined for a service the directory does not know', async () => {
    await expect(readServicePublicKey('ghost', keysDir)).resolves.toBeUndefined();
  });

  it('does not build a path from a name outside the service name pattern', async () => {
    await loadOrCreateServiceKey('orders', keysDir);

    await expect(readServicePublicKey(`../${keysDir.split('/').pop()}/orders`, keysDir)).resolves.toBeUndefined();
  });
});
