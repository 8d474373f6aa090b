import { maxWaitMs, type ServiceImplementation } from '@shop/kit';
import type { AuthServiceDefinition } from '@shop/sdk/ts/shop/users/v1/auth_service';
import { accountLocked, invalidCredentials } from '../domain/errors';
import { clientAddress } from '../auth/client-address';
import type { HandlerDeps } from './deps';
import { toProtoUser, toTokenPair } from './to-proto';

/** createAuthHandlers implements shop.users.v1.AuthService. */
export function createAuthHandlers(deps: HandlerDeps): ServiceImplementation<typeof AuthServiceDefinition> {
  const { credentials, sessions, ring, revocations } = deps;
  return {
    async login(req, ctx) {
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
      return { tokens: toTokenPair(await sessions.refresh(req.refreshToken)) };
    },

    async logout(req) {
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
      // Its form (a decimal position of 0 or more) is the contract's.
      const after = req.afterPosition || '0';
      const page = await revocations.read(after, maxWaitMs(req.maxWait), ctx.signal, ctx.deadline);
      return { sessions: page.sessions.map((s) => ({ sessionId: s.sessionId, expireTime: new Date(s.expireTime) })), position: page.position };
    },
  };
}
