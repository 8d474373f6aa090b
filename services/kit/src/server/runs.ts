import { status as Code, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { once } from 'node:events';
import type { CallContext } from '../context/call-context';
import type { ServedCall } from '../context/served-call';
import type { MethodContract } from '../contract/contract';
import { CallRun, type Chain } from './call-run';
import type { CallStatus } from './chain';
import type { DeepPartial, MethodDefinition } from './definition';
import { errorOf, trailersOf } from './status-out';

export type UnaryHandler = (req: unknown, ctx: CallContext) => Promise<DeepPartial<unknown>>;
export type StreamHandler = (req: unknown, ctx: CallContext) => AsyncIterable<DeepPartial<unknown>>;

// The grpc-js call carries its run, so one shared listener serves every
// call's 'cancelled' event (a closure per call showed in profiles).
const RUN = Symbol('shop.callRun');
interface WithRun {
  [RUN]?: CallRun;
}
function onCancelled(this: WithRun): void {
  this[RUN]?.ctx.abort('cancelled');
}

/** UnaryRun is a unary call: the handler's result is the response. */
export class UnaryRun extends CallRun {
  private response: unknown;

  constructor(
    chain: Chain,
    path: string,
    contract: MethodContract,
    ctx: ServedCall,
    private readonly call: ServerUnaryCall<unknown, unknown>,
    private readonly callback: sendUnaryData<unknown>,
    private readonly method: MethodDefinition,
    private readonly handler: UnaryHandler,
  ) {
    super(chain, path, contract, ctx);
    (call as WithRun)[RUN] = this;
    call.on('cancelled', onCancelled);
  }

  get request(): unknown {
    return this.call.request;
  }

  protected invoke(): Promise<unknown> {
    return this.handler(this.call.request, this.ctx);
  }

  protected accept(value: unknown): void {
    this.response = this.method.responseType.fromPartial(value as never);
  }

  protected send(status: CallStatus): void {
    // A failure goes out trailers-only (no response headers first): gRPC
    // clients retry only calls that got no headers.
    if (status.code === Code.OK) this.callback(null, this.response, trailersOf(status, this.ctx.requestId));
    else this.callback(errorOf(status, this.ctx.requestId));
  }
}

/** StreamRun is a server-streaming call: the handler's items are written as they come, with backpressure. */
export class StreamRun extends CallRun {
  constructor(
    chain: Chain,
    path: string,
    contract: MethodContract,
    ctx: ServedCall,
    private readonly call: ServerWritableStream<unknown, unknown>,
    private readonly method: MethodDefinition,
    private readonly handler: StreamHandler,
  ) {
    super(chain, path, contract, ctx);
    (call as WithRun)[RUN] = this;
    call.on('cancelled', onCancelled);
  }

  get request(): unknown {
    return this.call.request;
  }

  protected async invoke(): Promise<unknown> {
    const { call, ctx, method } = this;
    for await (const item of this.handler(call.request, ctx)) {
      if (ctx.signal.aborted) break;
      if (!call.write(method.responseType.fromPartial(item as never))) await once(call, 'drain', { signal: ctx.signal });
    }
    return undefined;
  }

  protected accept(): void {}

  protected send(status: CallStatus): void {
    const { call } = this;
    if (call.cancelled) return;
    if (status.code === Code.OK) call.end(trailersOf(status, this.ctx.requestId));
    else call.emit('error', errorOf(status, this.ctx.requestId));
  }
}
