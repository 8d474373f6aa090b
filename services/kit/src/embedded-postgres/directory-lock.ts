import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commandOf, isAlive } from './process-state';

/** HANDOVER_WAIT_MS is how long a new launcher waits for a live one to stop before it gives up. */
const HANDOVER_WAIT_MS = 15_000;

/** liveLauncher is the process recorded in file if it is another live Node process. */
function liveLauncher(file: string): number | undefined {
  let holder: number;
  try {
    holder = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(holder) || holder <= 0 || holder === process.pid || !isAlive(holder)) return undefined;
  return /^node/.test(commandOf(holder) ?? '') ? holder : undefined;
}

/**
 * claimDirectory records this process as the launcher of dir's server
 * (launcher.pid). A dead launcher (killed) is simply replaced; its server
 * is an orphan for the caller to stop. A live one may be on its way out
 * (its own `npm start` was killed and it is stopping the mesh): it gets
 * HANDOVER_WAIT_MS to finish. One still there after that is another run
 * using the directory, and two would stop each other's server: an error.
 */
export async function claimDirectory(dir: string, report: (line: string) => void = () => undefined): Promise<{ release(): void }> {
  const file = path.join(dir, 'launcher.pid');
  const holder = liveLauncher(file);
  if (holder !== undefined) {
    report(`waiting for the earlier run (process ${holder}) to stop`);
    const until = Date.now() + HANDOVER_WAIT_MS;
    while (liveLauncher(file) === holder && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    if (liveLauncher(file) === holder) {
      throw new Error(`${dir} is in use by another shopmesh run (process ${holder}): stop it first, or use another data directory`);
    }
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
