import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commandOf, isAlive } from './process-state';

/**
 * claimDirectory records this process as the launcher of dir's server
 * (launcher.pid). A live Node process recorded there is another launcher
 * using it, and two would stop each other's server: that is an error. A
 * dead one (killed) is simply replaced; its server is an orphan for the
 * caller to stop.
 */
export function claimDirectory(dir: string): { release(): void } {
  const file = path.join(dir, 'launcher.pid');
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(file, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder !== undefined && holder !== process.pid && Number.isInteger(holder) && holder > 0 && isAlive(holder) && /^node/.test(commandOf(holder) ?? '')) {
    throw new Error(`${dir} is in use by another shopmesh run (process ${holder}): stop it first, or use another data directory`);
  }
  writeFileSync(file, `${process.pid}\n`);
  return {
    release() {
      try {
        if (Number(readFileSync(file, 'utf8').trim()) === process.pid) rmSync(file, { force: true });
      } catch {
        // Already gone.
      }
    },
  };
}
