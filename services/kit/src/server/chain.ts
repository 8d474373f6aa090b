import type { Metadata, status as Code } from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import type { CallContext } from '../context/call-context';
import type { CallScope } from '../context/call-scope';
import type { MethodContract } from '../contract/contract';

/** CallInfo is what the chain's steps see of a call, before and after its handler. */
export interface CallInfo {
  readonly path: string;
  readonly contract: MethodContract;
  /** type is "unary" or "server_stream", as metrics label it. */
  readonly type: 'unary' | 'server_stream';
  readonly ctx: CallContext;
  /** request is the decoded request message (the one request of a server stream). */
  readonly request: unknown;
  /** scope is the call's AsyncLocalStorage store; a step may set `scope.trace` to make a span active for the handler. */
  readonly scope: CallScope;
  /** startedAt is performance.now() when the call arrived. */
  readonly startedAt: number;
  /** durationMs is how long the call took; set once its outcome is known, before the steps' `end` hooks run. */
  readonly durationMs: number;
  /** span is the call's server span, set by the tracing step. */
  span: Span | undefined;
}

/** CallStatus is the status a call ends with; metadata carries grpc-status-details-bin. */
export interface CallStatus {
  code: Code;
  details: string;
  metadata?: Metadata;
}

/** Outcome is how a call ended: its status, and the thrown cause when it was an unexpected failure. */
export interface Outcome {
  status: CallStatus;
  /** cause is set for failures that became INTERNAL; it is logged, never sent. */
  cause?: unknown;
}

/**
 * CallStep is one link of the server's ordered chain, as a pair of hooks
 * rather than a function wrapping `next()`: a cheap call then costs no
 * promise and no closure per link, which the runtime benchmark showed to be
 * most of the chain's price (every promise is also a copy of the
 * AsyncLocalStorage store and garbage to collect).
 *
 * - `start` runs before the handler, in chain order. Throwing ends the call
 *   with that error (the handler and later steps do not run). It returns a
 *   promise only when it has to wait (a token that missed the cache).
 * - `end` runs once the outcome is known, in reverse order, for every step
 *   whose `start` ran (or that has none). It must not throw.
 */
export interface CallStep {
  start?(call: CallInfo): void | PromiseLike<void>;
  end?(call: CallInfo, outcome: Outcome): void;
}

/** OK_OUTCOME is the shared outcome of every successful call. */
export const OK_OUTCOME: Outcome = Object.freeze({ status: Object.freeze({ code: 0, details: 'OK' }) });
