import { status as Code } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Middleware } from '../chain';

/** Codes that mean the server, not the caller, failed: logged as errors. */
const SERVER_FAULTS = new Set<number>([Code.INTERNAL, Code.UNKNOWN, Code.DATA_LOSS, Code.UNIMPLEMENTED]);

/**
 * createCallLogging writes one JSON line per call: method, code, duration,
 * request id (and trace ids through the logger's mixin). The cause of an
 * INTERNAL failure is logged here, the one place it goes.
 */
export function createCallLogging(log: Logger): Middleware {
  return async (call, next) => {
    const outcome = await next();
    const code = outcome.status.code;
    const fields = {
      request_id: call.ctx.requestId,
      method: call.path,
      code: Code[code],
      duration_ms: Number(process.hrtime.bigint() - call.startedAt) / 1e6,
      user_id: call.ctx.user?.userId,
      caller: call.ctx.caller?.service,
    };
    if (outcome.cause !== undefined || SERVER_FAULTS.has(code)) {
      log.error({ ...fields, err: outcome.cause }, 'call failed');
    } else {
      log.info(fields, 'call');
    }
    return outcome;
  };
}
