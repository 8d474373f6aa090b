import { AsyncLocalStorage } from 'node:async_hooks';
import type { Metadata } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ServicePrincipal, UserPrincipal } from './principal';

/**
 * CallContext is what the runtime knows about the call being served. The
 * runtime puts it in AsyncLocalStorage for the whole handler, so outgoing
 * calls pick up the deadline, tokens, request id and trace context without
 * a handler passing them by hand.
 */
export interface CallContext {
  /** path is the gRPC method path, for example "/shop.catalog.v1.CatalogService/GetProduct". */
  readonly path: string;
  readonly requestId: string;
  /** deadline is the epoch millisecond by which the call must finish (the caller's, or the default). */
  readonly deadline: number;
  /** signal aborts when the caller cancels or the deadline passes. */
  readonly signal: AbortSignal;
  /** metadata is the incoming request metadata. */
  readonly metadata: Metadata;
  /** user is the end user, when a valid access token came with the call. */
  user?: UserPrincipal;
  /** caller is the calling service, when a valid service token came with the call. */
  caller?: ServicePrincipal;
  /** log is a child logger bound to this call's request id. */
  log: Logger;
}

/** callContextStorage holds the CallContext of the call being served. */
export const callContextStorage = new AsyncLocalStorage<CallContext>();

/** currentCall returns the CallContext of the call being served, if any. */
export function currentCall(): CallContext | undefined {
  return callContextStorage.getStore();
}

/** remainingMs is how long the current call still has, or undefined outside a call. */
export function remainingMs(now = Date.now()): number | undefined {
  const ctx = callContextStorage.getStore();
  return ctx === undefined ? undefined : ctx.deadline - now;
}
