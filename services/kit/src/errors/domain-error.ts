import { status as Code } from '@grpc/grpc-js';

/** FieldViolation names one invalid request field by its proto path, for example "items[0].quantity". */
export interface FieldViolation {
  field: string;
  description: string;
}

/** PreconditionViolation says which precondition failed, for google.rpc.PreconditionFailure. */
export interface PreconditionViolation {
  type: string;
  subject: string;
  description: string;
}

/** ErrorDetailsInput are the optional google.rpc details of a DomainError. */
export interface ErrorDetailsInput {
  /** metadata goes into google.rpc.ErrorInfo.metadata. */
  metadata?: Record<string, string>;
  fieldViolations?: FieldViolation[];
  preconditionViolations?: PreconditionViolation[];
  resource?: { type: string; name: string };
  /** retryAfterMs becomes google.rpc.RetryInfo (and Retry-After at the gateway). */
  retryAfterMs?: number;
}

/**
 * DomainError is the one error type domain code throws. It carries the gRPC
 * status code, a message that is safe to show the caller, the
 * shop.common.v1.ErrorReason (without its prefix) and google.rpc details.
 * A `cause` is kept for the log and never sent.
 */
export class DomainError extends Error {
  constructor(
    readonly code: Code,
    readonly reason: string,
    message: string,
    readonly details: ErrorDetailsInput = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

/** invalidArgument reports invalid request fields (INVALID_ARGUMENT, BadRequest). */
export function invalidArgument(fieldViolations: FieldViolation[], message?: string): DomainError {
  const summary = message ?? fieldViolations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new DomainError(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', summary, { fieldViolations });
}

/** notFound reports a missing (or invisible) resource (NOT_FOUND, ResourceInfo). */
export function notFound(type: string, name: string): DomainError {
  return new DomainError(Code.NOT_FOUND, 'NOT_FOUND', `${type} ${JSON.stringify(name)} not found`, { resource: { type, name } });
}

/** alreadyExists reports a unique key taken by another resource (ALREADY_EXISTS, ResourceInfo). */
export function alreadyExists(type: string, name: string, reason = 'ALREADY_EXISTS', message?: string, details: ErrorDetailsInput = {}): DomainError {
  return new DomainError(Code.ALREADY_EXISTS, reason, message ?? `${type} ${JSON.stringify(name)} already exists`, {
    ...details,
    resource: { type, name },
  });
}

/** failedPrecondition reports a state that does not allow the operation (FAILED_PRECONDITION). */
export function failedPrecondition(reason: string, message: string, details: ErrorDetailsInput = {}): DomainError {
  return new DomainError(Code.FAILED_PRECONDITION, reason, message, details);
}

/** aborted reports a concurrency conflict, for example a stale version (ABORTED). */
export function aborted(reason: string, message: string, details: ErrorDetailsInput = {}): DomainError {
  return new DomainError(Code.ABORTED, reason, message, details);
}

/** unauthenticated reports a missing or invalid credential (UNAUTHENTICATED). */
export function unauthenticated(message = 'a valid bearer token is required', reason = 'UNAUTHENTICATED'): DomainError {
  return new DomainError(Code.UNAUTHENTICATED, reason, message);
}

/** permissionDenied reports a caller that may not do this (PERMISSION_DENIED). */
export function permissionDenied(message = 'the caller may not perform this operation'): DomainError {
  return new DomainError(Code.PERMISSION_DENIED, 'PERMISSION_DENIED', message);
}

/** unavailable reports a dependency that is down; the caller may retry later (UNAVAILABLE, RetryInfo). */
export function unavailable(reason: string, message: string, retryAfterMs?: number): DomainError {
  return new DomainError(Code.UNAVAILABLE, reason, message, retryAfterMs === undefined ? {} : { retryAfterMs });
}

/** resourceExhausted reports a limit hit; the caller should back off (RESOURCE_EXHAUSTED, RetryInfo). */
export function resourceExhausted(reason: string, message: string, retryAfterMs?: number): DomainError {
  return new DomainError(Code.RESOURCE_EXHAUSTED, reason, message, retryAfterMs === undefined ? {} : { retryAfterMs });
}

/** deadlineExceeded reports that the call's deadline passed before it finished (DEADLINE_EXCEEDED). */
export function deadlineExceeded(message = 'the deadline passed before the call finished'): DomainError {
  return new DomainError(Code.DEADLINE_EXCEEDED, 'UNSPECIFIED', message);
}
