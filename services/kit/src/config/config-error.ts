import type { z } from 'zod';

/**
 * SECRET_NAME matches variables whose values must never be printed. URLs are
 * included because connection strings carry passwords (postgres://u:p@host),
 * and endpoints and DSNs for the same reason.
 */
export const SECRET_NAME = /SECRET|PASSWORD|PASSWD|PASSPHRASE|KEY|TOKEN|CREDENTIAL|URL|URI|DSN|ENDPOINT/i;

/** ConfigProblem is one thing wrong with one environment variable. */
export interface ConfigProblem {
  /** variable is the environment variable's name, or "(config)" for a check across variables. */
  variable: string;
  /** problem says what is wrong, in words meant for whoever deploys the service. */
  problem: string;
  /** received is the value as set (quoted), "[masked]" for a secret, or undefined when the variable is not set. */
  received?: string;
}

/**
 * ConfigError is thrown by loadConfig with every problem found at once, so a
 * deployment is fixed in one round instead of one variable per restart. Its
 * message already masks secrets, so logging it is safe.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid configuration, ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}:\n${formatProblems(problems)}`);
    this.name = 'ConfigError';
  }
}

/** formatProblems renders one problem a line, indented, for stderr. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems
    .map((p) => `  - ${p.variable}: ${p.problem}${p.received === undefined ? '' : ` (received ${p.received})`}`)
    .join('\n');
}

/** describeIssues turns zod issues into problems, reading the raw values from env so they can be shown (or masked). */
export function describeIssues(issues: readonly z.core.$ZodIssue[], env: Readonly<Record<string, string | undefined>>): ConfigProblem[] {
  return issues.map((issue) => {
    const key = issue.path[0];
    if (typeof key !== 'string') return { variable: '(config)', problem: issue.message };
    const raw = env[key];
    if (isBlank(raw)) {
      // zod says "expected string, received undefined"; say what the operator has to do instead.
      const problem = issue.code === 'invalid_type' ? 'is required but not set' : `${issue.message} (not set)`;
      return { variable: key, problem };
    }
    // "expected number, received NaN" describes the coercion, not the variable.
    const problem = issue.code === 'invalid_type' ? `must be a ${issue.expected}` : issue.message;
    return { variable: key, problem, received: SECRET_NAME.test(key) ? '[masked]' : JSON.stringify(raw) };
  });
}

/** isBlank tells whether a variable counts as unset: missing, empty or only whitespace (`FOO=` in a compose file). */
export function isBlank(value: string | undefined): boolean {
  return value === undefined || value.trim() === '';
}
