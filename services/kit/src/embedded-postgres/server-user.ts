import { execFileSync, spawnSync } from 'node:child_process';

/** ServerUser is the account PostgreSQL runs as when the launcher itself runs as root. */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

/** accountIds reads an account's uid and gid with id(1), or undefined if there is no such account. */
function accountIds(name: string): ServerUser | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { name, uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * serverUserFor picks who runs PostgreSQL: nobody different when the
 * launcher is not root (undefined); as root, PostgreSQL refuses to start,
 * so the account named by `preferred` (SHOPMESH_POSTGRES_USER), else an
 * existing `postgres` account, else `nobody`. No account is created: the
 * data directory is simply owned by the one chosen.
 */
export function serverUserFor(preferred?: string): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (preferred !== undefined) {
    const user = accountIds(preferred);
    if (user === undefined) throw new Error(`SHOPMESH_POSTGRES_USER=${preferred}: no such account`);
    return user;
  }
  const user = accountIds('postgres') ?? accountIds('nobody');
  if (user === undefined) throw new Error('running as root, and neither a postgres nor a nobody account exists to run PostgreSQL as: set SHOPMESH_POSTGRES_USER');
  return user;
}

/**
 * unreachableFor names the first of paths that user cannot use (a program
 * it cannot execute, a directory it cannot write), or undefined when it can
 * use them all. A data directory under /root is the usual case.
 */
export function unreachableFor(user: ServerUser, paths: { execute: string[]; write: string[] }): string | undefined {
  const ids = { uid: user.uid, gid: user.gid };
  for (const file of paths.execute) if (spawnSync('test', ['-x', file], ids).status !== 0) return file;
  for (const dir of paths.write) if (spawnSync('test', ['-w', dir], ids).status !== 0) return dir;
  return undefined;
}
