import { z } from 'zod';
import { envInt } from '@shop/kit';

const DURATION = /^(\d+)(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * parseDuration reads a duration such as "900", "90s", "15m", "12h" or "30d"
 * into milliseconds (a bare number is seconds). It returns undefined for
 * anything else.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's']!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** envDuration accepts a duration (see parseDuration) of at least minMs and yields milliseconds. */
function envDuration(defaultText: string, minMs = 1) {
  return z
    .string()
    .default(defaultText)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms < minMs) {
        ctx.addIssue({ code: 'custom', message: `must be a duration of at least ${minMs} ms, for example 900s, 15m, 12h or 30d` });
        return z.NEVER;
      }
      return ms;
    });
}

/**
 * usersEnv is the users service's own configuration, on top of the kit's
 * common one (AUTH_ISSUER and AUTH_AUDIENCE come from there). Durations are
 * milliseconds after parsing. The README's configuration table lists them.
 */
export const usersEnv = {
  /** ACCESS_TOKEN_TTL is how long an access token is valid. */
  ACCESS_TOKEN_TTL: envDuration('15m', 1_000),
  /** REFRESH_TOKEN_TTL is how long a refresh token is valid; every refresh issues a new one with a fresh lifetime. */
  REFRESH_TOKEN_TTL: envDuration('30d', 1_000),
  /** JWT_KEY_ROTATION is the age at which the signing key is replaced by a new one. */
  JWT_KEY_ROTATION: envDuration('30d', 60_000),
  /** JWT_KEY_ACTIVATION_DELAY is how long a new key is published before it signs (verifiers cache keys for up to 30 s). */
  JWT_KEY_ACTIVATION_DELAY: envDuration('60s', 0),
  /** JWT_KEY_RETIRE_MARGIN is added to the access token lifetime before a replaced key leaves the key set. */
  JWT_KEY_RETIRE_MARGIN: envDuration('5m', 0),
  /** JWT_PRIVATE_KEY is a private Ed25519 JWK (JSON, with kid) from a secret store; when set it is the signing key and automatic rotation is off. */
  JWT_PRIVATE_KEY: z.string().optional(),
  /** JWT_KEY_ENCRYPTION_SECRET encrypts generated private keys at rest (AES-256-GCM); at least 32 characters of random text. */
  JWT_KEY_ENCRYPTION_SECRET: z.string().min(32, 'must be at least 32 characters of random text').optional(),
  /** PASSWORD_HASH_COST is log2 of scrypt's N for new hashes; lower it only in tests. */
  PASSWORD_HASH_COST: envInt(10, 20).default(15),
  /** LOGIN_MAX_FAILURES is how many failed logins for one account from one address cost no delay; each further one doubles the wait. */
  LOGIN_MAX_FAILURES: envInt(1, 1_000).default(5),
  /** LOGIN_FAILURE_WINDOW is how long an account and address pair's failures are remembered after the last one. */
  LOGIN_FAILURE_WINDOW: envDuration('15m', 1_000),
  /** LOGIN_BASE_DELAY is the wait after the first failure past LOGIN_MAX_FAILURES; it doubles with each further one. */
  LOGIN_BASE_DELAY: envDuration('1s', 1),
  /** LOGIN_LOCK_DURATION caps the wait between two attempts of one account from one address (no account is ever locked). */
  LOGIN_LOCK_DURATION: envDuration('15m', 1_000),
  /** ADMIN_EMAIL names the account made admin at start-up when no admin exists. */
  ADMIN_EMAIL: z.string().optional(),
  /** ADMIN_PASSWORD creates the ADMIN_EMAIL account when it does not exist yet. */
  ADMIN_PASSWORD: z.string().optional(),
  /** ADMIN_DISPLAY_NAME is the display name of an admin account created from ADMIN_EMAIL. */
  ADMIN_DISPLAY_NAME: z.string().min(1).max(100).default('Administrator'),
  /** DEMO_DATA is the path of demo/shop.json; its users are loaded when the user table is empty. */
  DEMO_DATA: z.string().optional(),
  /** EVENTS_EXCHANGE is the RabbitMQ topic exchange this service publishes its events to (with AMQP_URL). */
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
};
