import { toStatus } from '../../errors/to-status';
import type { Middleware } from '../chain';

/**
 * errorMapping turns whatever the inner links or the handler threw into a
 * status: typed ShopErrors keep their code and details, anything else
 * becomes INTERNAL with a generic message and keeps the cause for the log.
 */
export const errorMapping: Middleware = async (call, next) => {
  try {
    return await next();
  } catch (err: unknown) {
    const { status, internal } = toStatus(err, call.ctx.requestId);
    return internal ? { status, cause: err } : { status };
  }
};
