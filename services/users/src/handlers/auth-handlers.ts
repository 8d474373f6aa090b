import { invalidArgument, maxWaitMs, type FieldViolation, type ServiceImplementation } from '@shop/kit';
import type { AuthServiceDefinition } from '@shop/sdk/ts/shop/users/v1/auth_service';
import { accountLocked, invalidCredentials } from '../domain/errors';
import { clientAddress } from '../auth/client-address';
import type { HandlerDeps } from './deps';
import { toProtoUser, toTokenPair } from './to-proto';

function required(fields: Record<string, string>): void {
  const violations: FieldViolation[] = Object.entries(fields)
    .filter(([, value]) => value === '')
    .map(([field]) => ({ field, description: 'is required' }));
  if (violations.length > 0) throw invalidArgument(violations);
}

/** createAuthHandlers implements shop.users.v1.AuthService. */
export function createAuthHandlers(deps: HandlerDeps): ServiceImplementation<typeof AuthServiceDefinition> {
  const { credentials, sessions, ring, revocations } = deps;
  return {
    async login(req, ctx) {
      required({ email: req.email.trim(), password: req.password });
      // An unknown email is checked, throttled and answered exactly like a wrong password.
      const check = await credentials.login(req.email, req.password, clientAddress(ctx));
      switch (check.kind) {
        case 'ok':
          return { tokens: toTokenPair(await sessions.start(check.user)), user: toProtoUser(check.user) };
        case 'throttled':
          throw accountLocked(check.retryAfterMs);
        case 'wrong':
          throw invalidCredentials();
      }
    },

    async refreshToken(req) {
      required({ refresh_token: req.refreshToken });
      return { tokens: toTokenPair(await sessions.refresh(req.refreshToken)) };
    },

    async logout(req) {
      required({ refresh_token: req.refreshToken });
      await sessions.logout(req.refreshToken);
      return {};
    },

    async getJwks() {
      return {
        keys: ring.publicJwks().map((k) => ({
          kty: k.kty ?? '',
          crv: k.crv ?? '',
          x: k.x ?? '',
          y: k.y ?? '',
          kid: k.kid ?? '',
          alg: k.alg ?? '',
          use: k.use ?? '',
        })),
      };
    },

    async listRevokedSessions(req, ctx) {
      const after = req.afterPosition || '0';
      if (!POSITION.test(after)) throw invalidArgument([{ field: 'after_position', description: 'must be a position of 0 or more (a decimal int64)' }]);
      const page = await revocations.read(after, maxWaitMs(req.maxWait), ctx.signal, ctx.deadline);
      return { sessions: page.sessions.map((s) => ({ sessionId: s.sessionId, expireTime: new Date(s.expireTime) })), position: page.position };
    },
  };
}

const POSITION = /^(0|[1-9][0-9]{0,17})$/;
