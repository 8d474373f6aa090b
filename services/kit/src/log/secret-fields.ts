/**
 * SECRET_FIELDS are property names whose values never reach a log line,
 * whether logged at the top level or nested at any depth
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

/** REDACTED is what replaces a secret value. */
export const REDACTED = '[redacted]';
