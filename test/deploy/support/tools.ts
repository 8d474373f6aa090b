import { spawnSync } from 'node:child_process';

/** hasTool tells whether a command is on the PATH. */
export function hasTool(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

const warned = new Set<string>();

/**
 * missingTool warns, once per tool and suite, that a check is skipped
 * because the tool is not installed, saying how to get it, and returns
 * true. Suites call it at the top of a test and return when it is true.
 */
export function missingTool(command: string, hint = 'bash scripts/install-system-deps.sh installs it'): boolean {
  if (hasTool(command)) return false;
  if (!warned.has(command)) {
    warned.add(command);
    console.warn(`${command} is not installed: skipping the checks that need it (${hint})`);
  }
  return true;
}
