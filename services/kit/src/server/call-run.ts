import { ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import { CallScope, scopeStorage } from '../context/call-scope';
import type { ServedCall } from '../context/served-call';
import type { MethodContract } from '../contract/contract';
import { deadlineExceeded } from '../errors/domain-error';
import { toStatus } from '../errors/to-status';
import type { CallInfo, CallStatus, CallStep, Outcome } from './chain';
import { createDeadlineQueue, type DeadlineQueue, type Deadlined } from './deadline-queue';
import { outcomeOf } from './middleware/errors';
import type { InFlightLimiter } from './middleware/overload';

/** Chain is what every call of one server shares: its ordered steps, its overload guard and its deadlines. */
export interface Chain {
  readonly steps: readonly CallStep[];
  readonly limiter: InFlightLimiter;
  readonly deadlines: DeadlineQueue<CallRun>;
}

/** createCallDeadlines is the deadline queue of a server's calls: a call whose deadline passes is answered DEADLINE_EXCEEDED, in its own scope. */
export function createCallDeadlines(): DeadlineQueue<CallRun> {
  return createDeadlineQueue<CallRun>((run) => scopeStorage.run(run.scope, deadlinePassed, run));
}

/**
 * CallRun drives one admitted call through the chain: the steps' `start`
 * hooks in order, the handler, then the steps' `end` hooks in reverse, all
 * inside the call's AsyncLocalStorage scope. It holds the call's state in
 * fields instead of per-call closures and promises: on a cheap call those
 * were most of the runtime's cost. Subclasses say how the handler runs and
 * how the status goes out (unary or server streaming).
 *
 * The caller hears DEADLINE_EXCEEDED the moment the deadline passes, even
 * if the handler ignores ctx.signal; the steps still see the final outcome
 * when the handler returns.
 */
export abstract class CallRun implements CallInfo, Deadlined {
  span: Span | undefined = undefined;
  readonly scope: CallScope;
  readonly startedAt = performance.now();
  durationMs = 0;
  deadlineSlot = -1;
  readonly type: 'unary' | 'server_stream';
  /** started is how many steps have had their `start` called; their `end` runs. */
  private started = 0;
  private answered = false;

  constructor(
    private readonly chain: Chain,
    readonly path: string,
    readonly contract: MethodContract,
    readonly ctx: ServedCall,
  ) {
    this.type = contract.serverStreaming ? 'server_stream' : 'unary';
    this.scope = new CallScope(ctx, ROOT_CONTEXT);
    chain.deadlines.add(this, ctx.deadline);
  }

  /** request is the call's decoded request. */
  abstract get request(): unknown;

  /** invoke runs the handler (and, for a stream, writes its messages); its result goes to `accept`. */
  protected abstract invoke(): Promise<unknown>;

  /** accept takes the handler's result before the call is answered; throwing fails the call. */
  protected abstract accept(value: unknown): void;

  /** send puts the call's status on the wire; it is called once. */
  protected abstract send(status: CallStatus): void;

  /** begin runs the call in its own scope. */
  begin(): void {
    scopeStorage.run(this.scope, runSteps, this);
  }

  /** next starts the remaining steps, then the handler. */
  next(): void {
    const steps = this.chain.steps;
    try {
      while (this.started < steps.length) {
        const step = steps[this.started++]!;
        const waiting = step.start?.(this);
        if (waiting !== undefined) {
          waiting.then(
            () => this.next(),
            (err: unknown) => this.finish(true, err),
          );
          return;
        }
      }
      this.invoke().then(
        (value) => this.succeed(value),
        (err: unknown) => this.finish(true, err),
      );
    } catch (err: unknown) {
      this.finish(true, err);
    }
  }

  private succeed(value: unknown): void {
    try {
      this.accept(value);
    } catch (err: unknown) {
      this.finish(true, err);
      return;
    }
    this.finish(false);
  }

  /** answer sends a status unless one went out already (the deadline's, say). */
  answer(status: CallStatus): void {
    if (this.answered) return;
    this.answered = true;
    this.send(status);
  }

  private finish(failed: boolean, err?: unknown): void {
    this.chain.deadlines.remove(this);
    this.chain.limiter.leave();
    this.durationMs = performance.now() - this.startedAt;
    const outcome: Outcome = outcomeOf(this.ctx, failed, err);
    this.answer(outcome.status);
    const steps = this.chain.steps;
    for (let i = this.started - 1; i >= 0; i--) {
      try {
        steps[i]!.end?.(this, outcome);
      } catch (stepErr: unknown) {
        // A step that throws in `end` is a bug; it must not stop the others
        // (the span would never end) or escape as an unhandled rejection.
        this.ctx.log.error({ err: stepErr }, 'a call step failed after the call');
      }
    }
  }
}

function runSteps(run: CallRun): void {
  run.next();
}

function deadlinePassed(run: CallRun): void {
  run.ctx.abort('deadline');
  run.answer(toStatus(deadlineExceeded(), run.ctx.requestId).status);
}
