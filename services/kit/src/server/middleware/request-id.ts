import { randomInt, randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';

/** REQUEST_ID_HEADER carries the request id across hops and back to the caller. */
export const REQUEST_ID_HEADER = 'x-request-id';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/** isRequestId tells whether a caller's request id is well-formed enough to keep (and log). */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && VALID.test(value);
}

// Ids made here look like UUIDs: a random prefix per process and a 48-bit
// counter from a random start. They are unique without drawing randomness
// per call: randomUUID was 2% of a cheap call's allocations in the runtime
// benchmark. The counter is two 24-bit halves so every step is small-integer
// arithmetic; formatting one 48-bit number with toString(16) (a double, not
// a small integer, to V8) cost ~0.3 us, the low half from a table ~0.02 us.
// A request id is a correlation handle, not a secret: nothing may trust it.
const ID_PREFIX = randomUUID().slice(0, 24);
const HEX3 = Array.from({ length: 4096 }, (_, i) => i.toString(16).padStart(3, '0'));
let idHigh = randomInt(0, 0x1000000);
let idLow = randomInt(0, 0x1000000);
let idStem = stem(idHigh);

function stem(high: number): string {
  return ID_PREFIX + HEX3[high >>> 12]! + HEX3[high & 0xfff]!;
}

/** newRequestId makes a request id for a call that arrived without a usable one. */
export function newRequestId(): string {
  idLow = (idLow + 1) & 0xffffff;
  if (idLow === 0) {
    idHigh = (idHigh + 1) & 0xffffff;
    idStem = stem(idHigh);
  }
  return idStem + HEX3[idLow >>> 12]! + HEX3[idLow & 0xfff]!;
}

/** requestIdFrom keeps a well-formed incoming request id and makes a new one otherwise. */
export function requestIdFrom(metadata: Metadata): string {
  const value = metadata.get(REQUEST_ID_HEADER)[0];
  return isRequestId(value) ? value : newRequestId();
}
