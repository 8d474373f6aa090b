import { ClientError, Status } from 'nice-grpc';
import type { CallOptions, ClientMiddleware, Metadata } from 'nice-grpc';
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
 * ShopError is what every failed SDK call throws: the gRPC status code, the
 * server's message and the decoded google.rpc details. Branch on `code` and
 * `reason`, never on `message`.
 */
export class ShopError extends ClientError {
  /** reason is the ErrorInfo reason, for example "INSUFFICIENT_STOCK", or "" when none was sent. */
  readonly reason: string;
  constructor(
    path: string,
    code: Status,
    message: string,
    readonly errorDetails: ErrorDetails,
  ) {
    super(path, code, message);
    this.name = 'ShopError';
    this.reason = errorDetails.errorInfo?.reason ?? '';
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
  const raw = trailer?.get('grpc-status-details-bin');
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

/** errorDetailsMiddleware turns every ClientError into a ShopError with decoded details. */
export const errorDetailsMiddleware: ClientMiddleware = async function* errorDetails(call, options: CallOptions) {
  let trailer: Metadata | undefined;
  const userOnTrailer = options.onTrailer;
  try {
    return yield* call.next(call.request, {
      ...options,
      onTrailer(metadata) {
        trailer = metadata;
        userOnTrailer?.(metadata);
      },
    });
  } catch (err: unknown) {
    if (err instanceof ClientError && !(err instanceof ShopError)) {
      throw new ShopError(err.path, err.code, err.details, decodeErrorDetails(trailer));
    }
    throw err;
  }
};
