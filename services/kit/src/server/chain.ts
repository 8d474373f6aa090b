import type { Metadata, status as Code } from '@grpc/grpc-js';
import type { CallContext } from '../context/call-context';
import type { MethodContract } from '../contract/contract';

/** CallInfo is what middleware sees of a call before and after its handler. */
export interface CallInfo {
  readonly path: string;
  readonly contract: MethodContract;
  /** type is "unary" or "server_stream", as metrics label it. */
  readonly type: 'unary' | 'server_stream';
  readonly ctx: CallContext;
  /** startedAt is process.hrtime.bigint() when the call arrived. */
  readonly startedAt: bigint;
  /** invoke runs the handler and sends its responses; the innermost link calls it. */
  readonly invoke: () => Promise<void>;
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
 * Middleware is one link of the server's ordered chain. It may act before
 * and after `next()`; it must resolve with an Outcome (the error-mapping
 * link turns thrown errors into one).
 */
export type Middleware = (call: CallInfo, next: () => Promise<Outcome>) => Promise<Outcome>;

const OK: Outcome = Object.freeze({ status: Object.freeze({ code: 0, details: 'OK' }) });

/**
 * compose builds, once per server, the function that runs the middleware
 * outermost-first around a call's own `invoke`.
 */
export function compose(middleware: readonly Middleware[]): (call: CallInfo) => Promise<Outcome> {
  return middleware.reduceRight<(call: CallInfo) => Promise<Outcome>>(
    (next, mw) => (call) => mw(call, () => next(call)),
    (call) => call.invoke().then(() => OK),
  );
}
