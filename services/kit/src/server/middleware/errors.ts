import { status as Code } from '@grpc/grpc-js';
import { toStatus } from '../../errors/to-status';
import { DomainError, deadlineExceeded } from '../../errors/domain-error';
import type { ServedCall } from '../../context/served-call';
import type { Middleware, Outcome } from '../chain';

function aborted(call: ServedCall): Outcome {
  const err =
    call.abortedBy === 'deadline' ? deadlineExceeded() : new DomainError(Code.CANCELLED, 'UNSPECIFIED', 'the caller cancelled the call');
  return { status: toStatus(err, call.requestId).status };
}

/**
 * errorMapping turns whatever the inner links or the handler threw into a
 * status: typed DomainErrors keep their code and details, anything else
 * becomes INTERNAL with a generic message and keeps the cause for the log.
 * A call whose deadline passed (or that the caller cancelled) while it ran
 * is recorded as DEADLINE_EXCEEDED (CANCELLED), whatever the handler did
 * afterwards: that is what the caller got.
 */
export const errorMapping: Middleware = async (call, next) => {
  const served = call.ctx as ServedCall;
  try {
    const outcome = await next();
    return served.abortedBy ? aborted(served) : outcome;
  } catch (err: unknown) {
    if (served.abortedBy) return aborted(served);
    const { status, internal } = toStatus(err, call.ctx.requestId);
    return internal ? { status, cause: err } : { status };
  }
};
