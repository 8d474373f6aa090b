import type { z } from 'zod';
import { ConfigError, describeIssues, isBlank } from './config-error';

/** EnvSchema is any zod object whose keys are environment variable names. */
export type EnvSchema = z.ZodObject<z.core.$ZodShape, z.core.$ZodObjectConfig>;

/** Env is the shape of process.env. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * loadConfig reads the variables named by the schema's keys from env, once,
 * and returns them parsed and frozen. A blank variable counts as unset, so
 * `PORT=` falls back to its default instead of coercing to 0. It throws a
 * ConfigError listing every problem; loadConfigOrExit is the version for main.ts.
 */
export function loadConfig<S extends EnvSchema>(schema: S, env: Env = process.env): Readonly<z.output<S>> {
  // Only the schema's own keys are read: the rest of the environment stays out
  // of the parse (and out of any error), and strict schemas still work.
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && !isBlank(value)) input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues, env));
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
