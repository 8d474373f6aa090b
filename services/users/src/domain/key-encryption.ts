import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'v1';
const IV_BYTES = 12;

/** KeyEncryption seals private signing keys for storage and opens them again. */
export interface KeyEncryption {
  seal(plaintext: string, kid: string): string;
  open(sealed: string, kid: string): string;
}

/** isSealed tells whether a stored private key was written by a KeyEncryption (rather than as plain JSON). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(`${PREFIX}.`);
}

/**
 * createKeyEncryption derives an AES-256-GCM key from a high-entropy secret
 * (HKDF-SHA256) and seals private keys as `v1.<iv>.<tag>.<ciphertext>`. The
 * key id is bound as additional data, so a sealed key copied onto another
 * row fails to open.
 */
export function createKeyEncryption(secret: string): KeyEncryption {
  const key = Buffer.from(hkdfSync('sha256', secret, 'shopmesh.users.signing-keys', PREFIX, 32));
  return {
    seal(plaintext, kid) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(kid, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [PREFIX, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
    },
    open(sealed, kid) {
      const [prefix, iv, tag, ciphertext] = sealed.split('.');
      if (prefix !== PREFIX || iv === undefined || tag === undefined || ciphertext === undefined) {
        throw new Error(`signing key ${kid} is not in the sealed format`);
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
        .setAAD(Buffer.from(kid, 'utf8'))
        .setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw new Error(`signing key ${kid} cannot be decrypted: JWT_KEY_ENCRYPTION_SECRET differs from the one it was sealed with`, { cause });
      }
    },
  };
}
