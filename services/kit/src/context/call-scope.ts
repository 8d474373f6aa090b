import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '@opentelemetry/api';
import type { CallContext } from './call-context';

/**
 * CallScope is what one AsyncLocalStorage carries for the runtime: the call
 * being served (if any) and the OpenTelemetry context. Keeping both in one
 * store matters for speed: Node copies every enabled AsyncLocalStorage's
 * store into each promise and callback it creates, so a second storage (one
 * of ours next to OpenTelemetry's own) cost a copy on every promise of every
 * call. `trace` is mutable so the tracing step can make its span active for
 * a call whose scope already exists.
 */
export class CallScope {
  constructor(
    readonly call: CallContext | undefined,
    public trace: Context,
  ) {}
}

/** scopeStorage is the one AsyncLocalStorage of the runtime; OpenTelemetry's context manager reads it too (see CallScopeContextManager). */
export const scopeStorage = new AsyncLocalStorage<CallScope>();
