import type { Metadata } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { CallContext } from './call-context';
import type { ServicePrincipal, UserPrincipal } from './principal';

/** AbortKind says why a served call stopped early. */
export type AbortKind = 'deadline' | 'cancelled';

/**
 * ServedCall is the runtime's CallContext of one incoming call. What most
 * calls never use is made on first use: the AbortController (and its
 * EventTarget) and the per-call child logger cost more than the rest of the
 * runtime's bookkeeping together on a cheap call.
 */
export class ServedCall implements CallContext {
  user?: UserPrincipal;
  caller?: ServicePrincipal;
  /** abortedBy is set once the deadline passed or the caller cancelled. */
  abortedBy: AbortKind | undefined;
  /** onAbort lets the deadline guard end the call the moment it is aborted. */
  onAbort: ((kind: AbortKind) => void) | undefined;
  private controller: AbortController | undefined;
  private childLog: Logger | undefined;

  constructor(
    readonly path: string,
    readonly requestId: string,
    readonly deadline: number,
    readonly metadata: Metadata,
    private readonly baseLog: Logger,
    private readonly source?: { getPeer(): string },
  ) {}

  /** peer is the address the call came from, as grpc-js reports it ("127.0.0.1:5000", "[::1]:5000"), or "" when unknown. */
  get peer(): string {
    return this.source?.getPeer() ?? '';
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedBy) this.controller.abort(new Error(this.abortedBy));
    }
    return this.controller.signal;
  }

  get log(): Logger {
    this.childLog ??= this.baseLog.child({ request_id: this.requestId });
    return this.childLog;
  }

  /** abort marks the call aborted (first reason wins) and tells whoever listens. */
  abort(kind: AbortKind): void {
    if (this.abortedBy) return;
    this.abortedBy = kind;
    this.controller?.abort(new Error(kind));
    this.onAbort?.(kind);
  }
}
