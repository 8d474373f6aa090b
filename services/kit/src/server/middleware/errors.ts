import { status as Code } from '@grpc/grpc-js';
import { toStatus } from '../../errors/to-status';
import { DomainError, deadlineExceeded } from '../../errors/domain-error';
import type { ServedCall } from '../../context/served-call';
import { OK_OUTCOME, type Outcome } from '../chain';

function aborted(call: ServedCall): Outcome {
  const err =
    call.abortedBy === 'deadline' ? deadlineExceeded() : new DomainError(Code.CANCELLED, 'UNSPECIFIED', 'the caller cancelled the call');
  return { status: toStatus(err, call.requestId).status };
}

/**
 * outcomeOf is the runtime's one error mapping: it turns how a call ended
 * (`failed` with `err`, or not) into the status the caller gets. Typed
 * DomainErrors keep their code and details; anything else becomes INTERNAL
 * with a generic message and keeps the cause for the log. A call whose
 * deadline passed (or that the caller cancelled) while it ran is recorded
 * as DEADLINE_EXCEEDED (CANCELLED), whatever the handler did afterwards:
 * that is what the caller got.
 */
export function outcomeOf(call: ServedCall, failed: boolean, err?: unknown): Outcome {
  if (call.abortedBy) return aborted(call);
  if (!failed) return OK_OUTCOME;
  const { status, internal } = toStatus(err, call.requestId);
  return internal ? { status, cause: err } : { status };
}
