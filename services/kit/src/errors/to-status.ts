import { Metadata, status as Code, type StatusObject } from '@grpc/grpc-js';
import { Status as RpcStatus } from '@shop/sdk/ts/google/rpc/status';
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from '@shop/sdk/ts/google/rpc/error_details';
import type { Any } from '@shop/sdk/ts/google/protobuf/any';
import { ShopError as DownstreamError } from '@shop/sdk/lib/errors';
import { DomainError } from './domain-error';
import { durationFromMs } from '@shop/sdk/lib/time';

/** ERROR_DOMAIN is google.rpc.ErrorInfo.domain for every shopmesh error. */
export const ERROR_DOMAIN = 'shop.example';

const GENERIC_INTERNAL = 'internal error';

/**
 * Bounds on what one error carries, so its trailers stay well inside the
 * 8 KiB of metadata a default gRPC client accepts (gRPC core's soft limit)
 * however many fields a request got wrong: at most MAX_VIOLATIONS field or
 * precondition violations plus one that counts the rest, texts cut at
 * MAX_TEXT characters, the message at MAX_MESSAGE.
 */
export const MAX_VIOLATIONS = 20;
const MAX_TEXT = 120;
const MAX_MESSAGE = 400;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** bounded keeps the first `keep` items (texts cut) and adds one that counts the rest. */
function bounded<T>(items: readonly T[], keep: number, shorten: (item: T) => T, rest: (count: number) => T): T[] {
  const kept = items.slice(0, keep).map(shorten);
  if (items.length > keep) kept.push(rest(items.length - keep));
  return kept;
}

const more = (count: number) => `and ${count} more violation${count === 1 ? '' : 's'}`;

/** boundedMessage cuts a message; a summary of many violations ends with how many it left out. */
function boundedMessage(message: string, violations: number): string {
  if (message.length <= MAX_MESSAGE) return message;
  const suffix = violations > 1 ? ` (${violations} violations in all)` : '';
  return `${message.slice(0, MAX_MESSAGE - suffix.length - 1)}…${suffix}`;
}

function pack(typeName: string, value: Uint8Array): Any {
  return { typeUrl: `type.googleapis.com/${typeName}`, value: Buffer.from(value) };
}

/** Codes of a failed downstream call that the caller should see as they are: a dependency down, slow or overloaded. */
const PASSED_ON = new Set<number>([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.RESOURCE_EXHAUSTED, Code.CANCELLED]);

/**
 * fromCodedError accepts errors from other layers: DomainError as it is; the
 * store's IdempotencyConflictError; a downstream call's ShopError whose code
 * says "try again later" (its message stays out: it is another service's).
 */
function fromCodedError(err: unknown): DomainError | undefined {
  if (err instanceof DomainError) return err;
  if (err instanceof DownstreamError && PASSED_ON.has(err.code)) {
    return new DomainError(err.code, 'UNSPECIFIED', 'a service this call depends on is unavailable', {}, { cause: err });
  }
  if (err instanceof Error && (err as { code?: unknown }).code === 'IDEMPOTENCY_KEY_REUSED') {
    return new DomainError(
      Code.ALREADY_EXISTS,
      'IDEMPOTENCY_KEY_REUSED',
      'the idempotency key was already used with a different request',
      {},
      { cause: err },
    );
  }
  return undefined;
}

/**
 * toStatus turns anything a handler threw into the status sent to the caller:
 * a DomainError keeps its code, message and details; anything else becomes
 * INTERNAL with a generic message (`internal` is true: log the cause, never
 * send it). Every status carries RequestInfo with the request id. What it
 * carries is bounded (see MAX_VIOLATIONS): the encoded google.rpc.Status
 * stays within MAX_DETAILS_BYTES, keeping fewer violations if it must.
 */
export function toStatus(err: unknown, requestId: string): { status: StatusObject; internal: boolean } {
  const known = fromCodedError(err);
  const code = known?.code ?? Code.INTERNAL;
  const message = known ? boundedMessage(known.message, known.details.fieldViolations?.length ?? 0) : GENERIC_INTERNAL;
  let keep = MAX_VIOLATIONS;
  let encoded = encodeStatus(code, message, known, requestId, keep);
  while (encoded.length > MAX_DETAILS_BYTES && keep > 0) {
    keep = Math.floor(keep / 2);
    encoded = encodeStatus(code, message, known, requestId, keep);
  }
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(encoded));
  return { status: { code, details: message, metadata }, internal: known === undefined };
}

/** MAX_DETAILS_BYTES bounds the encoded google.rpc.Status (base64 in the trailer: 4/3 of it). */
const MAX_DETAILS_BYTES = 4_096;

function encodeStatus(code: Code, message: string, known: DomainError | undefined, requestId: string, keep: number): Uint8Array {
  const details: Any[] = [];
  if (known) {
    const d = known.details;
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(d.metadata ?? {}).slice(0, MAX_VIOLATIONS)) metadata[cut(key, MAX_TEXT)] = cut(value, MAX_TEXT);
    details.push(pack('google.rpc.ErrorInfo', ErrorInfo.encode({ reason: known.reason, domain: ERROR_DOMAIN, metadata }).finish()));
    if (d.fieldViolations?.length) {
      const fieldViolations = bounded(
        d.fieldViolations,
        keep,
        (v) => ({ field: cut(v.field, MAX_TEXT), description: cut(v.description, MAX_TEXT) }),
        (count) => ({ field: '', description: more(count) }),
      ).map((v) => ({ ...v, reason: '', localizedMessage: undefined }));
      details.push(pack('google.rpc.BadRequest', BadRequest.encode({ fieldViolations }).finish()));
    }
    if (d.preconditionViolations?.length) {
      const violations = bounded(
        d.preconditionViolations,
        keep,
        (v) => ({ type: cut(v.type, MAX_TEXT), subject: cut(v.subject, MAX_TEXT), description: cut(v.description, MAX_TEXT) }),
        (count) => ({ type: '', subject: '', description: more(count) }),
      );
      details.push(pack('google.rpc.PreconditionFailure', PreconditionFailure.encode({ violations }).finish()));
    }
    if (d.resource) {
      const resource = { resourceType: cut(d.resource.type, MAX_TEXT), resourceName: cut(d.resource.name, MAX_TEXT), owner: '', description: '' };
      details.push(pack('google.rpc.ResourceInfo', ResourceInfo.encode(resource).finish()));
    }
    if (d.retryAfterMs !== undefined) {
      const ms = Math.max(0, Math.round(d.retryAfterMs));
      details.push(
        pack(
          'google.rpc.RetryInfo',
          RetryInfo.encode({ retryDelay: durationFromMs(ms) }).finish(),
        ),
      );
    }
  }
  details.push(pack('google.rpc.RequestInfo', RequestInfo.encode({ requestId, servingData: '' }).finish()));
  return RpcStatus.encode({ code, message, details }).finish();
}
