import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';

/** isAlive tells whether a process with this id exists (one of another user's counts). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** commandOf names the program a live process runs ("postgres", "node"), or undefined if that cannot be read. */
export function commandOf(pid: number): string | undefined {
  try {
    if (process.platform === 'linux') return readlinkSync(`/proc/${pid}/exe`).split('/').pop()?.replace(/ \(deleted\)$/, '');
    return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('/').pop();
  } catch {
    return undefined;
  }
}

/** parentOf is a live process's parent process id, or undefined if that cannot be read. */
export function parentOf(pid: number): number | undefined {
  try {
    if (process.platform === 'linux') {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    }
    const ppid = Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** waitForExit resolves true once the process is gone, false if it still runs after ms. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * stopPostgres shuts a postmaster down: SIGINT (fast shutdown: sessions are
 * ended, a checkpoint is written) and, if it is still there after graceMs,
 * SIGQUIT (immediate: recovery runs at the next start from the WAL, so no
 * committed transaction is lost), then SIGKILL.
 */
export async function stopPostgres(pid: number, graceMs = 30_000): Promise<void> {
  for (const [signal, wait] of [['SIGINT', graceMs], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (await waitForExit(pid, wait)) return;
  }
  throw new Error(`PostgreSQL (pid ${pid}) does not stop`);
}
