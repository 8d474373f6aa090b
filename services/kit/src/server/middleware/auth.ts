import type { Metadata } from '@grpc/grpc-js';
import { permissionDenied, unauthenticated } from '../../errors/domain-error';
import { isAdmin, type ServicePrincipal, type UserPrincipal } from '../../context/principal';
import type { CallContext } from '../../context/call-context';
import type { MethodContract } from '../../contract/contract';
import type { CallStep } from '../chain';

/** SERVICE_TOKEN_HEADER carries the calling service's signed identity token. */
export const SERVICE_TOKEN_HEADER = 'x-shop-service-token';

/** Authenticators verify the two kinds of credentials a call may carry. */
export interface Authenticators {
  verifyUser(token: string): Promise<UserPrincipal>;
  verifyService(token: string): Promise<ServicePrincipal>;
  /**
   * knownUser (optional) returns the principal of a user token verified
   * before and still fresh, without waiting (see cacheVerifiedTokens): a
   * call with a known token then spends no promise and no shape check on
   * authentication.
   */
  knownUser?(token: string): UserPrincipal | undefined;
  /** knownService is knownUser for service tokens. */
  knownService?(token: string): ServicePrincipal | undefined;
}

/** InternalCallers lists, per internal method name (for example "ReserveStock"), the services allowed to call it; "*" applies to every internal method. */
export type InternalCallers = Readonly<Record<string, readonly string[]>>;

function single(metadata: Metadata, key: string): string | undefined {
  const values = metadata.get(key);
  if (values.length > 1) throw unauthenticated(`more than one ${key} header`);
  const value = values[0];
  return typeof value === 'string' ? value : undefined;
}

/** The scheme is matched case-insensitively (RFC 7235, 2.1), as the gateway does. */
const BEARER_PREFIX = 'bearer ';
/** TOKEN_SHAPE is what a token may look like; checked only for tokens not already verified. */
const TOKEN_SHAPE = /^[A-Za-z0-9._~+/=-]{1,8192}$/;

function bearer(metadata: Metadata): string | undefined {
  const header = single(metadata, 'authorization');
  if (header === undefined) return undefined;
  if (header.length <= BEARER_PREFIX.length || header.slice(0, BEARER_PREFIX.length).toLowerCase() !== BEARER_PREFIX) throw malformedBearer();
  return header.slice(BEARER_PREFIX.length);
}

function malformedBearer() {
  return unauthenticated('the authorization header must be "Bearer <token>"');
}

function checkShape(token: string): string {
  if (!TOKEN_SHAPE.test(token)) throw malformedBearer();
  return token;
}

/**
 * createAuthentication verifies the credentials a call carries and enforces
 * the access its contract declares (shop.common.v1.access):
 * - a user access token in `authorization: Bearer`, any sent token is verified;
 * - a service token in `x-shop-service-token`, for internal RPCs; it must
 *   be minted for this service (`aud` is `service`), so a token one service
 *   received cannot be replayed at another (PERMISSION_DENIED);
 * public needs nothing, authenticated a user, admin a user with the admin
 * role, internal a calling service that `internalCallers` allows. User
 * tokens never open internal RPCs.
 */
export function createAuthentication(auth: Authenticators, options: { service: string; internalCallers?: InternalCallers }): CallStep {
  const { service, internalCallers = {} } = options;
  const authorize = (ctx: CallContext, contract: MethodContract): void => {
    if (ctx.caller !== undefined && ctx.caller.audience !== service) {
      throw permissionDenied(`the service token was issued for another service, not ${service}`);
    }
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
  };
  return {
    start(call): Promise<void> | undefined {
      const { ctx, contract } = call;
      const userToken = bearer(ctx.metadata);
      const serviceToken = single(ctx.metadata, SERVICE_TOKEN_HEADER);
      let pending: Promise<void>[] | undefined;
      if (userToken !== undefined) {
        ctx.user = auth.knownUser?.(userToken);
        if (ctx.user === undefined) {
          (pending ??= []).push(auth.verifyUser(checkShape(userToken)).then((u) => void (ctx.user = u)));
        }
      }
      if (serviceToken !== undefined) {
        ctx.caller = auth.knownService?.(serviceToken);
        if (ctx.caller === undefined) {
          (pending ??= []).push(auth.verifyService(serviceToken).then((c) => void (ctx.caller = c)));
        }
      }
      if (pending !== undefined) return Promise.all(pending).then(() => authorize(ctx, contract));
      authorize(ctx, contract);
      return undefined;
    },
  };
}
