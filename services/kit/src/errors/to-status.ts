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

/** ERROR_DOMAIN is google.rpc.ErrorInfo.domain for every shopmesh error. */
export const ERROR_DOMAIN = 'shop.example';

const GENERIC_INTERNAL = 'internal error';

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
 * send it). Every status carries RequestInfo with the request id.
 */
export function toStatus(err: unknown, requestId: string): { status: StatusObject; internal: boolean } {
  const known = fromCodedError(err);
  const code = known?.code ?? Code.INTERNAL;
  const message = known?.message ?? GENERIC_INTERNAL;
  const details: Any[] = [];
  if (known) {
    const d = known.details;
    details.push(
      pack(
        'google.rpc.ErrorInfo',
        ErrorInfo.encode({ reason: known.reason, domain: ERROR_DOMAIN, metadata: d.metadata ?? {} }).finish(),
      ),
    );
    if (d.fieldViolations?.length) {
      details.push(
        pack(
          'google.rpc.BadRequest',
          BadRequest.encode({
            fieldViolations: d.fieldViolations.map((v) => ({ field: v.field, description: v.description, reason: '', localizedMessage: undefined })),
          }).finish(),
        ),
      );
    }
    if (d.preconditionViolations?.length) {
      details.push(pack('google.rpc.PreconditionFailure', PreconditionFailure.encode({ violations: d.preconditionViolations }).finish()));
    }
    if (d.resource) {
      details.push(
        pack(
          'google.rpc.ResourceInfo',
          ResourceInfo.encode({ resourceType: d.resource.type, resourceName: d.resource.name, owner: '', description: '' }).finish(),
        ),
      );
    }
    if (d.retryAfterMs !== undefined) {
      const ms = Math.max(0, Math.round(d.retryAfterMs));
      details.push(
        pack(
          'google.rpc.RetryInfo',
          RetryInfo.encode({ retryDelay: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 } }).finish(),
        ),
      );
    }
  }
  details.push(pack('google.rpc.RequestInfo', RequestInfo.encode({ requestId, servingData: '' }).finish()));
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(RpcStatus.encode({ code, message, details }).finish()));
  return { status: { code, details: message, metadata }, internal: known === undefined };
}
