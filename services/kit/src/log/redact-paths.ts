/**
 * SECRET_FIELDS are property names whose values never reach a log line,
 * whether logged at the top level or nested up to two objects deep
 * (`{ req: { headers: { authorization } } }`).
 */
export const SECRET_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'accessToken',
  'refreshToken',
  'token',
  'secret',
  'authorization',
  'cookie',
] as const;

/**
 * REDACT_PATHS are SECRET_FIELDS as pino redact paths. Deeper nesting is not
 * covered: each wildcard level costs time on every log call with an object,
 * so log the part of a structure you need rather than whole graphs.
 */
export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

/** REDACTED is what replaces a secret value. */
export const REDACTED = '[redacted]';
