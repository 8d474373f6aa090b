import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import type { Logger } from 'pino';
import type { Database } from '@shop/kit';
import { isSealed, type KeyEncryption } from '../domain/key-encryption';
import {
  chooseSigningKey,
  planAdoption,
  planRotation,
  publishedKeys,
  retirementExtension,
  type KeyPlan,
  type KeyPolicy,
  type KeyRecord,
} from '../domain/key-rotation';
import {
  deleteRetiredSigningKeys,
  extendSigningKeyRetirement,
  insertSigningKey,
  listSigningKeys,
  lockSigningKeys,
  supersedeSigningKey,
  type StoredKey,
} from '../store/signing-keys-store';

/** SIGNING_ALGORITHM is the JWS algorithm of every access token. */
export const SIGNING_ALGORITHM = 'EdDSA';

/** ConfiguredKey is a private signing key from a secret store (JWT_PRIVATE_KEY). */
export interface ConfiguredKey {
  kid: string;
  publicJwk: JWK;
  privateKey: KeyLike;
}

/** KeyRingOptions configure createKeyRing. */
export interface KeyRingOptions {
  db: Database;
  log: Logger;
  policy: KeyPolicy;
  /** configured replaces generated keys: it is the signing key and automatic rotation is off. */
  configured?: ConfiguredKey;
  /** encryption seals generated private keys at rest; sealed keys cannot be read without it. */
  encryption?: KeyEncryption;
  now: () => number;
  /** syncIntervalMs is how often the table is re-read and rotation checked (other replicas' keys show up within it). */
  syncIntervalMs?: number;
}

/** SigningKey is the key an access token is signed with. */
export interface SigningKey {
  kid: string;
  key: KeyLike;
}

/** KeyRing holds the signing keys of this process and the published key set. */
export interface KeyRing {
  /** signingKey is the key to sign with now. */
  signingKey(): SigningKey;
  /** publicJwks are the public keys to publish now (every key not yet retired). */
  publicJwks(): JWK[];
  /** sync re-reads the key table, rotates when due and retires old keys. */
  sync(): Promise<void>;
  /** stop ends the periodic sync and waits for a running one. */
  stop(): Promise<void>;
}

interface HeldKey {
  record: KeyRecord;
  publicJwk: JWK;
  privateKey?: KeyLike;
}

/** DEFAULT_SYNC_INTERVAL_MS keeps replicas' views of the key table within 10 s of each other. */
export const DEFAULT_SYNC_INTERVAL_MS = 10_000;

/**
 * parseConfiguredKey reads JWT_PRIVATE_KEY: a private Ed25519 JWK with a
 * kid. Errors never quote the value.
 */
export async function parseConfiguredKey(text: string): Promise<ConfiguredKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new Error('JWT_PRIVATE_KEY is not valid JSON');
  }
  const { kty, crv, x, d, kid, alg } = jwk;
  if (kty !== 'OKP' || crv !== 'Ed25519' || typeof x !== 'string' || typeof d !== 'string' || !x || !d) {
    throw new Error('JWT_PRIVATE_KEY must be a private Ed25519 JWK (kty "OKP", crv "Ed25519", x and d)');
  }
  if (typeof kid !== 'string' || kid === '') throw new Error('JWT_PRIVATE_KEY must have a kid');
  if (alg !== undefined && alg !== SIGNING_ALGORITHM) throw new Error(`JWT_PRIVATE_KEY must be for alg ${SIGNING_ALGORITHM}`);
  const privateKey = await importJWK({ kty, crv, x, d }, SIGNING_ALGORITHM);
  if (privateKey instanceof Uint8Array) throw new Error('JWT_PRIVATE_KEY is not an asymmetric key');
  return { kid, privateKey, publicJwk: publicForm({ kty, crv, x }, kid) };
}

function toRecord(row: StoredKey, canSign: boolean): KeyRecord {
  return {
    kid: row.kid,
    createdAt: row.createdAt.getTime(),
    activateAt: row.activateAt.getTime(),
    notAfterSigning: row.notAfterSigning?.getTime() ?? null,
    retireAt: row.retireAt?.getTime() ?? null,
    canSign,
  };
}

function publicForm(jwk: JWK, kid: string): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: SIGNING_ALGORITHM, use: 'sig' };
}

/** generateSigningKey makes a new Ed25519 key; its kid is the RFC 7638 thumbprint of the public key. */
async function generateSigningKey(): Promise<{ kid: string; publicJwk: JWK; privateJson: string }> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x });
  return { kid, publicJwk: publicForm(jwk, kid), privateJson: JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d, kid }) };
}

/**
 * createKeyRing loads the signing keys from the database, creating or
 * adopting one when needed (see domain/key-rotation.ts for the rules), and
 * keeps them in sync every syncIntervalMs. Private keys never reach a log.
 */
export async function createKeyRing(options: KeyRingOptions): Promise<KeyRing> {
  const { db, log, policy, configured, encryption, now } = options;
  const syncIntervalMs = options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
  const imported = new Map<string, KeyLike>();
  let held: HeldKey[] = [];

  async function importPrivate(stored: StoredKey): Promise<KeyLike | undefined> {
    if (configured?.kid === stored.kid) return configured.privateKey;
    if (stored.privateJwk === null) return undefined;
    const cached = imported.get(stored.kid);
    if (cached) return cached;
    let json = stored.privateJwk;
    if (isSealed(json)) {
      if (!encryption) throw new Error(`signing key ${stored.kid} is encrypted: set JWT_KEY_ENCRYPTION_SECRET to the secret it was sealed with`);
      json = encryption.open(json, stored.kid);
    }
    const { kty, crv, x, d } = JSON.parse(json) as JWK;
    const key = await importJWK({ kty, crv, x, d }, SIGNING_ALGORITHM);
    if (key instanceof Uint8Array) throw new Error(`signing key ${stored.kid} is not an asymmetric key`);
    imported.set(stored.kid, key);
    return key;
  }

  async function load(): Promise<HeldKey[]> {
    const rows = await listSigningKeys(db);
    return Promise.all(
      rows.map(async (row) => {
        const privateKey = await importPrivate(row);
        return { record: toRecord(row, privateKey !== undefined), publicJwk: publicForm(row.publicJwk, row.kid), privateKey };
      }),
    );
  }

  function plan(keys: readonly HeldKey[], at: number): KeyPlan {
    const records = keys.map((k) => k.record);
    return configured ? planAdoption(records, configured.kid, at, policy) : planRotation(records, at, policy);
  }

  /** applyPlan re-plans under the advisory lock, on a fresh read, so replicas agree. */
  async function applyPlan(): Promise<void> {
    await db.transaction(async (tx) => {
      await lockSigningKeys(tx);
      const at = now();
      // A stored private key can be used by every replica; a configured one only by this process.
      const records = (await listSigningKeys(tx)).map((row) => toRecord(row, row.privateJwk !== null || row.kid === configured?.kid));
      const fresh = configured ? planAdoption(records, configured.kid, at, policy) : planRotation(records, at, policy);
      if (!fresh.create) return;
      for (const s of fresh.supersede) await supersedeSigningKey(tx, s.kid, new Date(s.notAfterSigning), new Date(s.retireAt));
      if (configured) {
        await insertSigningKey(tx, {
          kid: configured.kid,
          privateJwk: null,
          publicJwk: configured.publicJwk,
          createdAt: new Date(at),
          activateAt: new Date(fresh.create.activateAt),
        });
        log.info({ kid: configured.kid, activate_at: new Date(fresh.create.activateAt).toISOString() }, 'configured signing key published');
      } else {
        const generated = await generateSigningKey();
        await insertSigningKey(tx, {
          kid: generated.kid,
          privateJwk: encryption ? encryption.seal(generated.privateJson, generated.kid) : generated.privateJson,
          publicJwk: generated.publicJwk,
          createdAt: new Date(at),
          activateAt: new Date(fresh.create.activateAt),
        });
        log.info(
          { kid: generated.kid, activate_at: new Date(fresh.create.activateAt).toISOString(), encrypted: encryption !== undefined },
          'signing key created',
        );
      }
    });
  }

  async function sync(): Promise<void> {
    let keys = await load();
    if (plan(keys, now()).create) {
      await applyPlan();
      keys = await load();
    }
    const at = now();
    const signing = chooseSigningKey(keys.map((k) => k.record), at);
    const extension = signing && retirementExtension(signing, at, syncIntervalMs, policy);
    if (signing && extension !== undefined) {
      // This process cannot sign with the successor yet: keep the key it uses published for its tokens.
      await extendSigningKeyRetirement(db, signing.kid, new Date(extension));
      log.warn({ kid: signing.kid }, 'still signing with a replaced key; its retirement was extended');
      keys = await load();
    }
    const removed = await deleteRetiredSigningKeys(db, new Date(at));
    if (removed > 0) log.info({ removed }, 'retired signing keys deleted');
    held = keys.filter((k) => k.record.retireAt === null || k.record.retireAt > at);
    for (const kid of imported.keys()) if (!held.some((k) => k.record.kid === kid)) imported.delete(kid);
  }

  await sync();

  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = sync()
      .catch((err: unknown) => log.error({ err }, 'signing key sync failed'))
      .finally(() => {
        running = undefined;
      });
  }, syncIntervalMs);
  timer.unref();

  return {
    signingKey() {
      const chosen = chooseSigningKey(held.map((k) => k.record), now());
      const key = chosen && held.find((k) => k.record.kid === chosen.kid)?.privateKey;
      if (!chosen || !key) throw new Error('no signing key is available');
      return { kid: chosen.kid, key };
    },
    publicJwks() {
      const published = new Set(publishedKeys(held.map((k) => k.record), now()).map((k) => k.kid));
      return held.filter((k) => published.has(k.record.kid)).map((k) => ({ ...k.publicJwk }));
    },
    sync,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
