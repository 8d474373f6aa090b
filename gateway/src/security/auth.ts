import { status as Code } from '@grpc/grpc-js';
import { DomainError, type Access, type UserPrincipal, type Verifier } from '@shop/kit';
import { GatewayError } from '../errors/gateway-error';

/** BEARER matches the header the services accept, so a token that passes here passes there. */
const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/i;

/** Authentication is what the gateway knows about the caller after checking the token. */
export interface Authentication {
  user: UserPrincipal | undefined;
  /** authorization is the header to forward, normalised to "Bearer <token>", or undefined when none was sent. */
  authorization: string | undefined;
}

const ANONYMOUS: Authentication = { user: undefined, authorization: undefined };

/**
 * createAuthenticator checks bearer tokens at the edge. Which routes need one
 * comes from the contract (shop.common.v1.access), declared once per RPC:
 * public routes need none, every other route needs a valid one. A token
 * sent to a public route is verified too, as the services do. Roles and
 * ownership are the services' business: the token is passed on and they
 * check it again.
 */
export function createAuthenticator(verifier: Verifier<UserPrincipal>) {
  return {
    /**
     * authenticate returns the caller (synchronously when there is nothing to
     * verify) or throws a GatewayError: 401 for a missing, malformed, invalid
     * or expired token, 503 when the signing keys cannot be fetched.
     */
    authenticate(header: string | undefined, access: Access): Authentication | Promise<Authentication> {
      if (header === undefined) {
        if (access === 'public') return ANONYMOUS;
        throw new GatewayError(Code.UNAUTHENTICATED, 'UNAUTHENTICATED', 'a valid bearer token is required', { headers: [['www-authenticate', 'Bearer realm="shop"']] });
      }
      const match = BEARER.exec(header);
      if (!match) throw new GatewayError(Code.UNAUTHENTICATED, 'UNAUTHENTICATED', 'the authorization header must be "Bearer <token>"');
      const token = match[1];
      return verifier.verify(token).then(
        (user) => ({ user, authorization: `Bearer ${token}` }),
        (err: unknown) => {
          throw fromVerifierError(err);
        },
      );
    },
  };
}

/** Authenticator is what createAuthenticator returns. */
export type Authenticator = ReturnType<typeof createAuthenticator>;

function fromVerifierError(err: unknown): GatewayError {
  if (err instanceof DomainError) {
    return new GatewayError(err.code, err.reason, err.message, { retryAfterMs: err.details.retryAfterMs, cause: err });
  }
  return new GatewayError(Code.UNAUTHENTICATED, 'UNAUTHENTICATED', 'invalid bearer token', { cause: err });
}
