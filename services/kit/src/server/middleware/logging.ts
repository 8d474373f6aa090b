import { status as Code } from '@grpc/grpc-js';
import { isSpanContextValid } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { callLineWriter } from '../../log/call-line';
import type { CallInfo, CallStep, Outcome } from '../chain';

/** Codes that mean the server, not the caller, failed: logged as errors. */
const SERVER_FAULTS = new Set<number>([Code.INTERNAL, Code.UNKNOWN, Code.DATA_LOSS, Code.UNIMPLEMENTED]);

/**
 * createCallLogging writes one JSON line per call: method, code, duration,
 * request id, trace and span ids, user or calling service. The cause of an
 * INTERNAL failure is logged here, the one place it goes. Ordinary lines
 * take the fast writer of the runtime's own logger (see callLineWriter);
 * failures go through pino with its error serializer. A long poll that
 * ends well (MethodContract.longPoll) is routine, idle or not: its line is
 * at debug, so an idle mesh does not log a line per poller every 25 s.
 */
export function createCallLogging(log: Logger): CallStep {
  const fast = callLineWriter(log);
  return {
    end(call, outcome) {
      const code = outcome.status.code;
      const durationMs = call.durationMs;
      if (outcome.cause === undefined && !SERVER_FAULTS.has(code)) {
        if (call.contract.longPoll && code === Code.OK) {
          if (log.isLevelEnabled('debug')) log.debug(fields(call, code, durationMs), 'call');
          return;
        }
        if (fast !== undefined) {
          const span = call.span?.spanContext();
          const traced = span !== undefined && isSpanContextValid(span);
          fast({
            method: call.path,
            requestId: call.ctx.requestId,
            code: Code[code],
            durationMs,
            userId: call.ctx.user?.userId,
            caller: call.ctx.caller?.service,
            traceId: traced ? span.traceId : undefined,
            spanId: traced ? span.spanId : undefined,
          });
        } else {
          log.info(fields(call, code, durationMs), 'call');
        }
        return;
      }
      log.error({ ...fields(call, code, durationMs), err: outcome.cause }, 'call failed');
    },
  };
}

function fields(call: CallInfo, code: Outcome['status']['code'], durationMs: number) {
  return {
    method: call.path,
    request_id: call.ctx.requestId,
    code: Code[code],
    duration_ms: durationMs,
    user_id: call.ctx.user?.userId,
    caller: call.ctx.caller?.service,
  };
}
