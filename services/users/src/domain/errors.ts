import { status as Code } from '@grpc/grpc-js';
import { DomainError, resourceExhausted, unauthenticated } from '@shop/kit';

/**
 * invalidCredentials is the one answer to a failed login, whether the email
 * is unknown or the password wrong, so the answer reveals neither.
 */
export function invalidCredentials(): DomainError {
  return new DomainError(Code.UNAUTHENTICATED, 'INVALID_CREDENTIALS', 'the email or password is incorrect');
}

/**
 * accountLocked answers an attempt that came before the throttle's wait for
 * this account and address ran out; RetryInfo says when to try again. The
 * reason keeps its name (clients branch on it); nothing is locked for
 * anyone else.
 */
export function accountLocked(retryAfterMs: number): DomainError {
  return resourceExhausted('ACCOUNT_LOCKED', 'too many failed logins for this account from your address: wait before trying again', retryAfterMs);
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
