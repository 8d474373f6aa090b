import { status as Code } from '@grpc/grpc-js';
import type { Reason } from './reason';

/** FieldViolation names one invalid request field, as in google.rpc.BadRequest. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** GatewayErrorOptions are the optional parts of a GatewayError. */
export interface GatewayErrorOptions {
  fieldViolations?: FieldViolation[];
  /** retryAfterMs becomes google.rpc.RetryInfo and the Retry-After header. */
  retryAfterMs?: number;
  /** httpStatus overrides the status the code maps to, for HTTP-only conditions (405, 413, 415, 431). */
  httpStatus?: number;
  /** headers are added to the response, for example Allow or WWW-Authenticate. */
  headers?: ReadonlyArray<readonly [string, string]>;
  cause?: unknown;
}

/**
 * GatewayError is a request the gateway answers itself, without reaching a
 * backend: a bad path, body or token, a rate limit. Its message is shown to
 * the caller, so it never holds internal detail; `cause` is for the log.
 */
export class GatewayError extends Error {
  readonly fieldViolations: FieldViolation[];
  readonly retryAfterMs: number | undefined;
  readonly httpStatus: number | undefined;
  readonly headers: ReadonlyArray<readonly [string, string]>;

  constructor(
    readonly code: Code,
    /** reason is a shop.common.v1.ErrorReason value without its prefix. */
    readonly reason: Reason,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.fieldViolations = options.fieldViolations ?? [];
    this.retryAfterMs = options.retryAfterMs;
    this.httpStatus = options.httpStatus;
    this.headers = options.headers ?? [];
  }
}

/** invalidArgument is a 400 about the request, naming the fields at fault when known. */
export function invalidArgument(message: string, fieldViolations: FieldViolation[] = [], cause?: unknown): GatewayError {
  return new GatewayError(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', message, { fieldViolations, cause });
}
