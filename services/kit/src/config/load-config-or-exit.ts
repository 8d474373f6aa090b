import { writeSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError, formatProblems } from './config-error';
import { loadConfig, type Env, type EnvSchema } from './load-config';

/** EX_CONFIG is the sysexits.h code for "configuration error", so supervisors can tell bad config from a crash. */
export const EX_CONFIG = 78;

/** LoadConfigOrExitOptions names the service for the message; env, exit and write are injectable for tests. */
export interface LoadConfigOrExitOptions {
  service: string;
  env?: Env;
  exit?: (code: number) => never;
  write?: (text: string) => void;
}

/**
 * loadConfigOrExit is loadConfig for a service's main.ts: on invalid
 * configuration it prints one message listing every problem to stderr (secret
 * values masked) and exits with EX_CONFIG. Any other error is rethrown.
 */
export function loadConfigOrExit<S extends EnvSchema>(schema: S, options: LoadConfigOrExitOptions): Readonly<z.output<S>> {
  const { service, env = process.env, exit = (code: number): never => process.exit(code), write = writeStderr } = options;
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const count = err.problems.length;
    write(`${service}: invalid configuration, ${count} ${count === 1 ? 'problem' : 'problems'}:\n${formatProblems(err.problems)}\n`);
    return exit(EX_CONFIG);
  }
}

// A synchronous write: process.exit right after an asynchronous stderr write
// (a pipe on some platforms) could lose the very message that explains the exit.
function writeStderr(text: string): void {
  writeSync(2, text);
}
