import type { PrepareCall } from '@shop/sdk/lib/promise-client';
import { currentCall } from '../context/call-context';
import { REQUEST_ID_HEADER } from '../server/middleware/request-id';
import { SERVICE_TOKEN_HEADER } from '../server/middleware/auth';

/** ServiceTokenSource yields this service's identity token for calls to `audience` (createServiceIdentity().token). */
export type ServiceTokenSource = (audience: string) => Promise<string>;

/**
 * createPropagation copies what the call being served knows onto every
 * outgoing call, so no handler passes it by hand:
 * - the remaining deadline (the earlier of it and the call's own), sent as a
 *   native gRPC deadline so the next hop sees it too;
 * - cancellation: when the served call is cancelled, so is the outgoing one;
 * - the request id (the W3C trace context is added by the telemetry
 *   interceptor, from the client span it opens);
 * - the end user's bearer token, when the call was made for a user;
 * - this service's identity token for the callee (`audience`), always, so
 *   internal RPCs and background work (saga recovery, event consumers) are
 *   authorised as the service, and only at the service called.
 */
export function createPropagation(audience: string, serviceToken?: ServiceTokenSource): PrepareCall {
  return async (call) => {
    const served = currentCall();
    const md = call.metadata;
    if (served) {
      if (md.get(REQUEST_ID_HEADER).length === 0) md.set(REQUEST_ID_HEADER, served.requestId);
      if (served.user && md.get('authorization').length === 0) md.set('authorization', `Bearer ${served.user.token}`);
      if (call.deadline === undefined || call.deadline.getTime() > served.deadline) call.deadline = new Date(served.deadline);
      call.signal ??= served.signal;
    }
    if (serviceToken && md.get(SERVICE_TOKEN_HEADER).length === 0) md.set(SERVICE_TOKEN_HEADER, await serviceToken(audience));
  };
}
