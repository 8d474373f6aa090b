import { status as Code } from '@grpc/grpc-js';
import { DomainError, resourceExhausted, unauthenticated } from '@shop/kit';

/**
 * invalidCredentials is the one answer to a failed login, whether the email
 * is unknown or the password wrong, so the answer reveals neither.
 */
export function invalidCredentials(): DomainError {
  return new DomainError(Code.UNAUTHENTICATED, 'INVALID_CREDENTIALS', 'the email or password is incorrect');
}

/** accountLocked answers a login to a locked account; RetryInfo says when it unlocks. */
export function accountLocked(retryAfterMs: number): DomainError {
  return resourceExhausted('ACCOUNT_LOCKED', 'too many failed logins: the account is locked for a while', retryAfterMs);
}

/** refreshTokenReused answers a refresh token presented a second time; its whole family is revoked by then. */
export function refreshTokenReused(): DomainError {
  return unauthenticated('the refresh token was already used: every token of this login has been revoked, log in again', 'REFRESH_TOKEN_REUSED');
}

/** invalidRefreshToken answers an unknown or revoked refresh token. */
export function invalidRefreshToken(): DomainError {
  return unauthenticated('the refresh token is invalid or has been revoked, log in again');
}

/** expiredRefreshToken answers a genuine refresh token past its expiry. */
export function expiredRefreshToken(): DomainError {
  return unauthenticated('the refresh token has expired, log in again', 'TOKEN_EXPIRED');
}
