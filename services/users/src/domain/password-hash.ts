import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { normalizePassword } from './password-rules';

/** ScryptParams are the cost parameters of one hash: N = 2^logN, block size r, parallelism p. */
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/** DEFAULT_SCRYPT_PARAMS are the production parameters: N = 2^15, r = 8, p = 1 (about 32 MiB and 100 ms a hash). */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ logN: 15, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 64;
// $scrypt$ln=15,r=8,p=1$<salt>$<key>, the PHC string format with unpadded base64.
const STORED = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function derive(password: string, salt: Buffer, params: ScryptParams, keyLength: number): Promise<Buffer> {
  const N = 2 ** params.logN;
  // scrypt needs 128 * N * r bytes; Node's default cap (32 MiB) is exactly
  // what N = 2^15, r = 8 needs and is refused, so the cap is set from the cost.
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r };
  // The callback form runs on libuv's thread pool, so the event loop keeps serving while a hash is computed.
  return new Promise((resolve, reject) =>
    scrypt(normalizePassword(password), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function b64(buf: Buffer): string {
  return buf.toString('base64').replace(/=+$/, '');
}

/** ParsedHash is a stored password hash taken apart. */
export interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

/** parsePasswordHash reads a stored hash; it throws on anything not written by hashPassword. */
export function parsePasswordHash(stored: string): ParsedHash {
  const match = STORED.exec(stored);
  if (!match) throw new Error('unrecognised password hash format');
  return {
    params: { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) },
    salt: Buffer.from(match[4]!, 'base64'),
    key: Buffer.from(match[5]!, 'base64'),
  };
}

/**
 * hashPassword returns a salted scrypt hash of the (NFKC-normalised)
 * password, with the parameters stored beside it so they can be raised later
 * without invalidating existing hashes.
 */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/** verifyPassword tells whether password matches a hash from hashPassword, comparing in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const { params, salt, key } = parsePasswordHash(stored);
  const candidate = await derive(password, salt, params, key.length);
  return timingSafeEqual(candidate, key);
}

/** needsRehash tells whether a stored hash was made with other parameters than the current ones. */
export function needsRehash(stored: string, current: ScryptParams): boolean {
  const { params } = parsePasswordHash(stored);
  return params.logN !== current.logN || params.r !== current.r || params.p !== current.p;
}
