import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join, resolve } from 'node:path';

/** repoRoot is the root of the shopmesh checkout. */
export const repoRoot = resolve(__dirname, '..', '..');

/** bin returns the path of an npm-installed executable of the repo. */
export function bin(name: string): string {
  return join(repoRoot, 'node_modules', '.bin', name);
}

/** run runs a command to completion and returns its exit code and output. */
export function run(command: string, args: string[], cwd = repoRoot): SpawnSyncReturns<string> & { output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return Object.assign(result, { output: `${result.stdout ?? ''}${result.stderr ?? ''}` });
}
