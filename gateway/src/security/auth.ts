import { status as Code } from '@grpc/grpc-js';
import { DomainError, type Access, type UserPrincipal, type Verifier } from '@shop/kit';
import { TOKEN_REQUIRED } from '../errors/error-body';
import { GatewayError } from '../errors/gateway-error';
import { isReason } from '../errors/reason';

/** Verdicts is a token verifier that may also answer from its cache at once (see cacheVerifiedTokens). */
type Verdicts = Verifier<UserPrincipal> & { lookup?(token: string): UserPrincipal | undefined };

/** The scheme is matched case-insensitively, as RFC 7235 says. */
const SCHEME = 'bearer ';
/** TOKEN_SHAPE matches what the services accept, so a token that passes here passes there; checked for tokens not verified before. */
const TOKEN_SHAPE = /^[A-Za-z0-9._~+/=-]{1,8192}$/;

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
export function createAuthenticator(verifier: Verdicts) {
  return {
    /**
     * authenticate returns the caller (synchronously when there is nothing to
     * verify) or throws a GatewayError: 401 for a missing, malformed, invalid
     * or expired token, 503 when the signing keys cannot be fetched.
     */
    authenticate(header: string | undefined, access: Access): Authentication | Promise<Authentication> {
      if (header === undefined) {
        if (access === 'public') return ANONYMOUS;
        throw new GatewayError(Code.UNAUTHENTICATED, 'UNAUTHENTICATED', 'a valid bearer token is required', { headers: [['www-authenticate', TOKEN_REQUIRED]] });
      }
      if (header.length <= SCHEME.length || header.slice(0, SCHEME.length).toLowerCase() !== SCHEME) throw malformed();
      const token = header.slice(SCHEME.length);
      // A token verified a moment ago (so of the right shape) is answered
      // without a promise and without running the shape check again.
      const known = verifier.lookup?.(token);
      if (known !== undefined) return { user: known, authorization: `Bearer ${token}` };
      if (!TOKEN_SHAPE.test(token)) throw malformed();
      return verifier.verify(token).then(
        (user) => ({ user, authorization: `Bearer ${token}` }),
        (err: unknown) => {
          throw fromVerifierError(err);
        },
      );
    },
  };
}

function malformed(): GatewayError {
  return new GatewayError(Code.UNAUTHENTICATED, 'UNAUTHENTICATED', 'the authorization header must be "Bearer <token>"');
}

/** Authenticator is what createAuthenticator returns. */
export type Authenticator = ReturnType<typeof createAuthenticator>;

/**
 * fromVerifierError turns a failed verification into the caller's answer:
 * the verifier's own error (expired token, keys unavailable) when its reason
 * is in the contract, otherwise a plain 401. A non-401 error whose reason is
 * not in the contract is a bug, so it is thrown on and becomes a logged
 * INTERNAL rather than a made-up reason.
 */
export function fromVerifierError(err: unknown): GatewayError {
  if (err instanceof DomainError) {
    if (isReason(err.reason)) return new GatewayError(err.code, err.reason, err.message, { retryAfterMs: err.details.retryAfterMs, cause: err });
    if (err.code !== Code.UNAUTHENTICATED) throw err;
  }
  return new GatewayError(Code.UNAUTHENTICATED, 'UNAUTHENTICATED', 'invalid bearer token', { cause: err });
}
