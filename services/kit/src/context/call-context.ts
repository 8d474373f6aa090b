import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { Metadata } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { CallScope, scopeStorage } from './call-scope';
import type { ServicePrincipal, UserPrincipal } from './principal';

/**
 * CallContext is what the runtime knows about the call being served. The
 * runtime keeps it in AsyncLocalStorage for the whole handler, so outgoing
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
  /** peer is the address the call came from ("host:port"), or "" when unknown; behind the gateway it is the gateway's. */
  readonly peer?: string;
  /** user is the end user, when a valid access token came with the call. */
  user?: UserPrincipal;
  /** caller is the calling service, when a valid service token came with the call. */
  caller?: ServicePrincipal;
  /** log is a child logger bound to this call's request id. */
  log: Logger;
}

/**
 * callContextStorage holds the CallContext of the call being served. It has
 * the shape of an AsyncLocalStorage but lives in the runtime's one shared
 * scope (see CallScope): `run` and `exit` change the call and keep the
 * active trace context, so work detached from a call (a saga driven in the
 * background) still belongs to its trace.
 */
export const callContextStorage = {
  getStore(): CallContext | undefined {
    return scopeStorage.getStore()?.call;
  },
  run<R>(ctx: CallContext, fn: () => R): R {
    return scopeStorage.run(new CallScope(ctx, scopeStorage.getStore()?.trace ?? ROOT_CONTEXT), fn);
  },
  exit<R>(fn: () => R): R {
    const scope = scopeStorage.getStore();
    return scope === undefined ? fn() : scopeStorage.run(new CallScope(undefined, scope.trace), fn);
  },
};

/** currentCall returns the CallContext of the call being served, if any. */
export function currentCall(): CallContext | undefined {
  return scopeStorage.getStore()?.call;
}

/** remainingMs is how long the current call still has, or undefined outside a call. */
export function remainingMs(now = Date.now()): number | undefined {
  const ctx = scopeStorage.getStore()?.call;
  return ctx === undefined ? undefined : ctx.deadline - now;
}
