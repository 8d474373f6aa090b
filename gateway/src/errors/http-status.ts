import { status as Code } from '@grpc/grpc-js';

/**
 * HTTP_STATUS is the one mapping from gRPC status codes to HTTP statuses,
 * the standard one of google/rpc/code.proto (also grpc-gateway's).
 */
const HTTP_STATUS: Readonly<Record<number, number>> = {
  [Code.OK]: 200,
  [Code.CANCELLED]: 499,
  [Code.UNKNOWN]: 500,
  [Code.INVALID_ARGUMENT]: 400,
  [Code.DEADLINE_EXCEEDED]: 504,
  [Code.NOT_FOUND]: 404,
  [Code.ALREADY_EXISTS]: 409,
  [Code.PERMISSION_DENIED]: 403,
  [Code.UNAUTHENTICATED]: 401,
  [Code.RESOURCE_EXHAUSTED]: 429,
  [Code.FAILED_PRECONDITION]: 400,
  [Code.ABORTED]: 409,
  [Code.OUT_OF_RANGE]: 400,
  [Code.UNIMPLEMENTED]: 501,
  [Code.INTERNAL]: 500,
  [Code.UNAVAILABLE]: 503,
  [Code.DATA_LOSS]: 500,
};

/** httpStatusOf returns the HTTP status for a gRPC code; codes outside the spec are 500. */
export function httpStatusOf(code: number): number {
  return HTTP_STATUS[code] ?? 500;
}

/** codeName is the canonical name of a gRPC code ("NOT_FOUND"), "UNKNOWN" outside the spec. */
export function codeName(code: number): string {
  const name = (Code as unknown as Record<number, string>)[code];
  return typeof name === 'string' ? name : 'UNKNOWN';
}
