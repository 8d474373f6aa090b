import type { Metadata } from '@grpc/grpc-js';
import { permissionDenied, unauthenticated } from '../../errors/domain-error';
import { isAdmin, type ServicePrincipal, type UserPrincipal } from '../../context/principal';
import type { Middleware } from '../chain';

/** SERVICE_TOKEN_HEADER carries the calling service's signed identity token. */
export const SERVICE_TOKEN_HEADER = 'x-shop-service-token';

/** Authenticators verify the two kinds of credentials a call may carry. */
export interface Authenticators {
  verifyUser(token: string): Promise<UserPrincipal>;
  verifyService(token: string): Promise<ServicePrincipal>;
}

/** InternalCallers lists, per internal method name (for example "ReserveStock"), the services allowed to call it; "*" applies to every internal method. */
export type InternalCallers = Readonly<Record<string, readonly string[]>>;

function single(metadata: Metadata, key: string): string | undefined {
  const values = metadata.get(key);
  if (values.length > 1) throw unauthenticated(`more than one ${key} header`);
  const value = values[0];
  return typeof value === 'string' ? value : undefined;
}

function bearer(metadata: Metadata): string | undefined {
  const header = single(metadata, 'authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/.exec(header);
  if (!match) throw unauthenticated('the authorization header must be "Bearer <token>"');
  return match[1];
}

/**
 * createAuthentication verifies the credentials a call carries and enforces
 * the access its contract declares (shop.common.v1.access):
 * - a user access token in `authorization: Bearer`, any sent token is verified;
 * - a service token in `x-shop-service-token`, for internal RPCs;
 * public needs nothing, authenticated a user, admin a user with the admin
 * role, internal a calling service that `internalCallers` allows. User
 * tokens never open internal RPCs.
 */
export function createAuthentication(auth: Authenticators, internalCallers: InternalCallers = {}): Middleware {
  return async (call, next) => {
    const { ctx, contract } = call;
    const userToken = bearer(ctx.metadata);
    const serviceToken = single(ctx.metadata, SERVICE_TOKEN_HEADER);
    if (userToken !== undefined) ctx.user = await auth.verifyUser(userToken);
    if (serviceToken !== undefined) ctx.caller = await auth.verifyService(serviceToken);
    switch (contract.access) {
      case 'public':
        break;
      case 'authenticated':
        if (!ctx.user) throw unauthenticated();
        break;
      case 'admin':
        if (!ctx.user) throw unauthenticated();
        if (!isAdmin(ctx.user)) throw permissionDenied('this operation needs the admin role');
        break;
      case 'internal': {
        const allowed = internalCallers[contract.name] ?? internalCallers['*'] ?? [];
        if (!ctx.caller || !allowed.includes(ctx.caller.service)) {
          throw permissionDenied(`${contract.name} is internal to the mesh`);
        }
        break;
      }
    }
    return next();
  };
}
