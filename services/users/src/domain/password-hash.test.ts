import { hashPassword, needsRehash, parsePasswordHash, verifyPassword } from './password-hash';

// Low cost keeps the suite fast; the code path is the same as in production.
const CHEAP = { logN: 10, r: 8, p: 1 };

describe('password hashes', () => {
  it('store the scrypt parameters, a 16-byte salt and a 64-byte key', async () => {
    const stored = await hashPassword('correct-horse-1', CHEAP);
    expect(stored).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    const parsed = parsePasswordHash(stored);
    expect(parsed.params).toEqual(CHEAP);
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.key).toHaveLength(64);
  });

  it('never contain the password', async () => {
    expect(await hashPassword('correct-horse-1', CHEAP)).not.toContain('correct-horse-1');
  });

  it('are salted, so the same password hashes differently each time', async () => {
    expect(await hashPassword('correct-horse-1', CHEAP)).not.toBe(await hashPassword('correct-horse-1', CHEAP));
  });

  it('verify the right password and refuse a wrong one', async () => {
    const stored = await hashPassword('correct-horse-1', CHEAP);
    await expect(verifyPassword('correct-horse-1', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct-horse-2', stored)).resolves.toBe(false);
  });

  it('verify with the parameters stored in the hash, not the current ones', async () => {
    const stored = await hashPassword('correct-horse-1', { logN: 11, r: 8, p: 1 });
    await expect(verifyPassword('correct-horse-1', stored)).resolves.toBe(true);
  });

  it('match the same password in another Unicode normal form', async () => {
    const stored = await hashPassword('cafe\u0301-secret-1', CHEAP);
    await expect(verifyPassword('caf\u00e9-secret-1', stored)).resolves.toBe(true);
  });

  it('can be made with the production cost (N = 2^15), which exceeds Node’s default scrypt memory cap', async () => {
    const stored = await hashPassword('correct-horse-1');
    expect(stored).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
    await expect(verifyPassword('correct-horse-1', stored)).resolves.toBe(true);
  });

  it('need rehashing only when their parameters differ from the current ones', async () => {
    const stored = await hashPassword('correct-horse-1', CHEAP);
    expect(needsRehash(stored, CHEAP)).toBe(false);
    expect(needsRehash(stored, { logN: 15, r: 8, p: 1 })).toBe(true);
  });

  it('refuse a stored value in an unknown format', async () => {
    await expect(verifyPassword('x', 'plaintext')).rejects.toThrow('unrecognised password hash format');
  });
});
