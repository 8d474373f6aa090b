import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { Status as RpcStatus } from '../ts/google/rpc/status';
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from '../ts/google/rpc/error_details';

/** ErrorDetails are the google.rpc details a shopmesh error may carry (see shop.common.v1.ErrorReason). */
export interface ErrorDetails {
  errorInfo?: ErrorInfo;
  badRequest?: BadRequest;
  preconditionFailure?: PreconditionFailure;
  resourceInfo?: ResourceInfo;
  retryInfo?: RetryInfo;
  requestInfo?: RequestInfo;
}

/**
 * ShopError is what every failed SDK call throws: `message` is the server's
 * message as it sent it ("product not found"), `code` the gRPC status,
 * `reason` the google.rpc.ErrorInfo reason, `errorDetails` the decoded
 * google.rpc details, `path` the method that failed. Branch on `code` and
 * `reason`, never on `message`. Printed (console.log, an unhandled
 * rejection) it shows those, not the raw trailer.
 */
export class ShopError extends Error {
  /** reason is the ErrorInfo reason, for example "INSUFFICIENT_STOCK", or "" when none was sent. */
  readonly reason: string;
  /** codeName is the status code's name, for example "NOT_FOUND". */
  readonly codeName: string;
  /** trailer is the status metadata the server sent (not enumerable, so it stays out of printed errors). */
  declare readonly trailer: Metadata;
  constructor(
    /** path is the method that failed, for example "/shop.catalog.v1.CatalogService/GetProduct". */
    readonly path: string,
    readonly code: Status,
    /** details is the server's status message (the same text as `message`). */
    readonly details: string,
    readonly errorDetails: ErrorDetails = {},
    trailer: Metadata = new Metadata(),
  ) {
    const codeName = Status[code] ?? String(code);
    super(details || codeName);
    this.name = 'ShopError';
    this.codeName = codeName;
    this.reason = errorDetails.errorInfo?.reason ?? '';
    Object.defineProperty(this, 'trailer', { value: trailer, enumerable: false });
  }
}

const decoders: { [K in keyof ErrorDetails]-?: { typeUrl: string; decode(bytes: Uint8Array): NonNullable<ErrorDetails[K]> } } = {
  errorInfo: { typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', decode: (b) => ErrorInfo.decode(b) },
  badRequest: { typeUrl: 'type.googleapis.com/google.rpc.BadRequest', decode: (b) => BadRequest.decode(b) },
  preconditionFailure: {
    typeUrl: 'type.googleapis.com/google.rpc.PreconditionFailure',
    decode: (b) => PreconditionFailure.decode(b),
  },
  resourceInfo: { typeUrl: 'type.googleapis.com/google.rpc.ResourceInfo', decode: (b) => ResourceInfo.decode(b) },
  retryInfo: { typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', decode: (b) => RetryInfo.decode(b) },
  requestInfo: { typeUrl: 'type.googleapis.com/google.rpc.RequestInfo', decode: (b) => RequestInfo.decode(b) },
};

/**
 * decodeErrorDetails reads the `grpc-status-details-bin` trailer (a
 * google.rpc.Status) into typed details. Unknown detail types are ignored so
 * that a newer server never breaks an older client.
 */
export function decodeErrorDetails(trailer: Metadata | undefined): ErrorDetails {
  const raw = trailer?.get('grpc-status-details-bin')[0];
  if (raw === undefined || typeof raw === 'string') return {};
  const details: ErrorDetails = {};
  try {
    const status = RpcStatus.decode(raw);
    for (const any of status.details) {
      for (const [key, decoder] of Object.entries(decoders)) {
        if (any.typeUrl === decoder.typeUrl) {
          (details as Record<string, unknown>)[key] = decoder.decode(any.value);
        }
      }
    }
  } catch {
    // A malformed trailer must not hide the status code the caller needs.
    return {};
  }
  return details;
}

/** toShopError wraps a grpc-js ServiceError (or anything thrown by a call) into a ShopError. */
export function toShopError(err: unknown, path: string): ShopError {
  if (err instanceof ShopError) return err;
  const e = err as Partial<ServiceError>;
  if (typeof e?.code === 'number') {
    return new ShopError(path, e.code, e.details ?? '', decodeErrorDetails(e.metadata), e.metadata ?? new Metadata());
  }
  return new ShopError(path, Status.UNKNOWN, err instanceof Error ? err.message : String(err));
}
