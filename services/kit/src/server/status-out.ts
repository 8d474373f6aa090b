import { Metadata, type ServiceError } from '@grpc/grpc-js';
import type { CallStatus } from './chain';
import { REQUEST_ID_HEADER } from './middleware/request-id';

/** trailersOf adds x-request-id to a status's trailers, so callers can quote it. */
export function trailersOf(status: CallStatus, requestId: string): Metadata {
  const md = status.metadata ?? new Metadata();
  md.set(REQUEST_ID_HEADER, requestId);
  return md;
}

/** errorOf is a failed status as grpc-js takes it from a handler. */
export function errorOf(status: CallStatus, requestId: string): Partial<ServiceError> {
  return { code: status.code, details: status.details, metadata: trailersOf(status, requestId) };
}
