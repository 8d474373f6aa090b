import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CallScope, scopeStorage } from '../context/call-scope';

/**
 * CallScopeContextManager is OpenTelemetry's context manager on the
 * runtime's own AsyncLocalStorage (see CallScope), so a process has one
 * storage to propagate instead of two. It keeps the stock manager's
 * `bind` (functions and event emitters) and changes only where the active
 * context is kept; `with` keeps the current call.
 */
export class CallScopeContextManager extends AsyncLocalStorageContextManager {
  override active(): Context {
    return scopeStorage.getStore()?.trace ?? ROOT_CONTEXT;
  }

  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const cb = thisArg == null ? fn : (fn.bind(thisArg) as F);
    return scopeStorage.run(new CallScope(scopeStorage.getStore()?.call, context), cb, ...args);
  }

  /** attach makes `context` active for the rest of the current execution, like the stock manager's. */
  override attach(context: Context): ReturnType<AsyncLocalStorageContextManager['attach']> {
    const previous = scopeStorage.getStore();
    scopeStorage.enterWith(new CallScope(previous?.call, context));
    let disposed = false;
    return {
      dispose() {
        if (disposed) return;
        disposed = true;
        scopeStorage.enterWith(previous ?? new CallScope(undefined, ROOT_CONTEXT));
      },
    };
  }

  /** disable leaves the storage alone: the runtime's call context lives in it too. */
  override disable(): this {
    return this;
  }
}
