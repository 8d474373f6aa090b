import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { nonEmpty, publicJwk } from './public-jwk';

/**
 * SERVICE_NAME_PATTERN is what a service name (and so a service token's
 * `kid`) may look like. It keeps names usable as file names and rules out
 * path traversal when a kid from a token is turned into a path.
 */
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** isServiceName tells whether a value is a well-formed service name. */
export function isServiceName(value: unknown): value is string {
  return typeof value === 'string' && SERVICE_NAME_PATTERN.test(value);
}

/** privateKeyPath is where a service's private key lives: `<keysDir>/<service>.private.jwk.json`. */
export function privateKeyPath(keysDir: string, service: string): string {
  return join(keysDir, `${service}.private.jwk.json`);
}

/** publicKeyPath is where a service's public key lives: `<keysDir>/<service>.public.jwk.json`. */
export function publicKeyPath(keysDir: string, service: string): string {
  return join(keysDir, `${service}.public.jwk.json`);
}

/** ServiceKey is a service's signing key and the public half others verify with. */
export interface ServiceKey {
  service: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

/**
 * loadOrCreateServiceKey loads the service's Ed25519 private key from
 * keysDir or, when there is none, generates one and writes both files
 * (the private one with mode 0600). It also writes a missing public file
 * and fails when the public file does not match the private key, because
 * then every peer would reject this service's tokens.
 */
export async function loadOrCreateServiceKey(service: string, keysDir: string): Promise<ServiceKey> {
  if (!isServiceName(service)) throw new Error(`invalid service name ${JSON.stringify(service)}`);
  const privatePath = privateKeyPath(keysDir, service);
  const stored = (await readJwk(privatePath)) ?? (await createPrivateKeyFile(privatePath));
  const x = nonEmpty(stored.x);
  const d = nonEmpty(stored.d);
  if (stored.kty !== 'OKP' || stored.crv !== 'Ed25519' || x === undefined || d === undefined) {
    throw new Error(`${privatePath} is not an Ed25519 private key`);
  }
  const privateKey = await importJWK({ kty: 'OKP', crv: 'Ed25519', x, d }, 'EdDSA');
  if (privateKey instanceof Uint8Array) throw new Error(`${privatePath} is not an Ed25519 private key`);

  const pub: JWK = { kty: 'OKP', crv: 'Ed25519', x };
  const publicPath = publicKeyPath(keysDir, service);
  const published = await readJwk(publicPath);
  if (published === undefined) {
    await writeAtomically(publicPath, pub, 0o644);
  } else if (published.x !== x) {
    throw new Error(`${publicPath} does not match ${privatePath}`);
  }
  return { service, privateKey, publicJwk: pub };
}

/**
 * readServicePublicKey returns a service's public key from keysDir, or
 * undefined when the directory has no key for it. Only the public members
 * of the file are used, and only an Ed25519 key is accepted.
 */
export async function readServicePublicKey(service: string, keysDir: string): Promise<KeyLike | undefined> {
  if (!isServiceName(service)) return undefined;
  const jwk = await readJwk(publicKeyPath(keysDir, service));
  const pub = jwk && publicJwk(jwk);
  if (pub === undefined || pub.kty !== 'OKP' || pub.crv !== 'Ed25519') return undefined;
  const key = await importJWK(pub, 'EdDSA');
  return key instanceof Uint8Array ? undefined : key;
}

async function readJwk(path: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${path} is not a JWK`);
  return parsed as JWK;
}

/**
 * createPrivateKeyFile generates a key and publishes it with link(), which
 * fails if the file exists: when several processes (or several services of
 * the embedded mode) start at once, exactly one key wins, and nobody reads a
 * half-written file.
 */
async function createPrivateKeyFile(path: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  await writeFile(tmp, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, path);
    return jwk;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = await readJwk(path);
    if (winner === undefined) throw err;
    return winner;
  } finally {
    await unlink(tmp);
  }
}

/** writeAtomically replaces a file by rename, so a verifier reading it sees the old or the new content, never a part. */
async function writeAtomically(path: string, jwk: JWK, mode: number): Promise<void> {
  const tmp = tempPath(path);
  await writeFile(tmp, `${JSON.stringify(jwk, null, 2)}\n`, { mode, flag: 'wx' });
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

function tempPath(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}
