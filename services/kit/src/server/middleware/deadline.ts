import { deadlineExceeded } from '../../errors/domain-error';
import type { Middleware } from '../chain';

/**
 * deadlineGuard ends a call with DEADLINE_EXCEEDED when its deadline passes:
 * the caller's own, or the default the runtime gave a call that came without
 * one (grpc-js enforces only deadlines the client sent). The handler sees
 * the same moment as `ctx.signal` aborting.
 */
export const deadlineGuard: Middleware = (call, next) => {
  const { signal } = call.ctx;
  if (signal.aborted) return Promise.reject(deadlineExceeded());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(deadlineExceeded());
    signal.addEventListener('abort', onAbort, { once: true });
    next().then(
      (outcome) => {
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
};
