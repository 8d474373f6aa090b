import { randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';

/** REQUEST_ID_HEADER carries the request id across hops and back to the caller. */
export const REQUEST_ID_HEADER = 'x-request-id';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/** isRequestId tells whether a caller's request id is well-formed enough to keep (and log). */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && VALID.test(value);
}

// Ids made here look like UUIDs: a random prefix per process and a counter
// from a random start. They are unique without drawing randomness per call:
// randomUUID was 2% of a cheap call's allocations in the runtime benchmark.
// A request id is a correlation handle, not a secret: nothing may trust it.
const ID_PREFIX = randomUUID().slice(0, 24);
let idCounter = Math.floor(Math.random() * 2 ** 40);

/** newRequestId makes a request id for a call that arrived without a usable one. */
export function newRequestId(): string {
  idCounter = (idCounter + 1) % 2 ** 48;
  return ID_PREFIX + idCounter.toString(16).padStart(12, '0');
}

/** requestIdFrom keeps a well-formed incoming request id and makes a new one otherwise. */
export function requestIdFrom(metadata: Metadata): string {
  const value = metadata.get(REQUEST_ID_HEADER)[0];
  return isRequestId(value) ? value : newRequestId();
}
