import { randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';

/** REQUEST_ID_HEADER carries the request id across hops and back to the caller. */
export const REQUEST_ID_HEADER = 'x-request-id';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/** requestIdFrom keeps a well-formed incoming request id and makes a new one otherwise. */
export function requestIdFrom(metadata: Metadata): string {
  const value = metadata.get(REQUEST_ID_HEADER)[0];
  return typeof value === 'string' && VALID.test(value) ? value : randomUUID();
}
