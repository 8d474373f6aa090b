import path from 'node:path';
import { createEvents, EVENT_FEED_CALLERS, register, type ServiceSpec } from '@shop/kit';
import { AuthServiceDefinition } from '@shop/sdk/ts/shop/users/v1/auth_service';
import { UserServiceDefinition } from '@shop/sdk/ts/shop/users/v1/user_service';
import { createAccessTokenSigner } from './auth/access-token';
import { createCredentials } from './auth/credentials';
import { createKeyRing, parseConfiguredKey } from './auth/key-ring';
import { createRevocationFeed } from './auth/revocation-feed';
import { createSessions } from './auth/sessions';
import { usersEnv } from './config';
import { createKeyEncryption } from './domain/key-encryption';
import { DEFAULT_SCRYPT_PARAMS } from './domain/password-hash';
import { createAuthHandlers } from './handlers/auth-handlers';
import type { HandlerDeps } from './handlers/deps';
import { createUserHandlers } from './handlers/user-handlers';
import { bootstrapAdmin, seedDemoUsers } from './seed';
import { pruneRefreshTokens } from './store/refresh-tokens-store';
import { pruneFailures } from './store/login-failures-store';
import { pruneRevokedSessions, REVOKED_TOPIC } from './store/revoked-sessions-store';

const PRUNE_INTERVAL_MS = 60 * 60_000;
// Revocations NOTIFY on commit, which wakes the waiting ListRevokedSessions
// calls of every replica; a lost notification delays one by this at most.
const REVOCATION_RECHECK_MS = 30_000;
// Expired refresh tokens are kept a day, so presenting one soon after expiry still says "expired" rather than "invalid".
const PRUNE_AFTER_MS = 24 * 60 * 60_000;

/**
 * usersService is the users process: UserService (accounts) and
 * AuthService (tokens and the JWKS) on one port, over one database. It
 * verifies access tokens against its own keys rather than asking itself.
 * Ended sessions are listed for every verifier (ListRevokedSessions).
 * UserRegistered and UserDeleted go through the outbox, in the transaction
 * of the change, and its relay publishes them on the service's event feed.
 */
export const usersService: ServiceSpec<typeof usersEnv> = {
  name: 'users',
  env: usersEnv,
  migrationsDir: path.join(__dirname, '..', 'migrations'),
  internalCallers: { ...EVENT_FEED_CALLERS },
  async build({ config, log, db, metrics, clients }) {
    if (config.ADMIN_PASSWORD !== undefined && config.ADMIN_EMAIL === undefined) {
      throw new Error('ADMIN_PASSWORD is set without ADMIN_EMAIL');
    }
    const now = Date.now;
    const configured = config.JWT_PRIVATE_KEY === undefined ? undefined : await parseConfiguredKey(config.JWT_PRIVATE_KEY);
    const ring = await createKeyRing({
      db,
      log,
      now,
      configured,
      encryption: config.JWT_KEY_ENCRYPTION_SECRET === undefined ? undefined : createKeyEncryption(config.JWT_KEY_ENCRYPTION_SECRET),
      policy: {
        // A configured key is rotated by whoever configures it.
        rotationMs: configured ? Infinity : config.JWT_KEY_ROTATION,
        activationDelayMs: config.JWT_KEY_ACTIVATION_DELAY,
        accessTtlMs: config.ACCESS_TOKEN_TTL,
        retireMarginMs: config.JWT_KEY_RETIRE_MARGIN,
      },
    });
    const credentials = await createCredentials({
      db,
      now,
      hashParams: { ...DEFAULT_SCRYPT_PARAMS, logN: config.PASSWORD_HASH_COST },
      throttle: {
        freeFailures: config.LOGIN_MAX_FAILURES,
        baseDelayMs: config.LOGIN_BASE_DELAY,
        maxDelayMs: config.LOGIN_LOCK_DURATION,
        forgetAfterMs: config.LOGIN_FAILURE_WINDOW,
      },
    });
    const signer = createAccessTokenSigner({
      ring,
      now,
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      ttlMs: config.ACCESS_TOKEN_TTL,
    });
    const revocations = createRevocationFeed({ db, now, recheckMs: REVOCATION_RECHECK_MS });
    const sessions = createSessions({
      db,
      log,
      signer,
      now,
      accessTtlMs: config.ACCESS_TOKEN_TTL,
      refreshTtlMs: config.REFRESH_TOKEN_TTL,
      onRevoked: () => revocations.notify(),
    });
    const revokedInAnyReplica = await db.listen(REVOKED_TOPIC, () => revocations.notify());

    if (config.DEMO_DATA !== undefined) await seedDemoUsers({ db, log, credentials, now }, config.DEMO_DATA);
    if (config.ADMIN_EMAIL !== undefined) {
      await bootstrapAdmin({ db, log, credentials, now }, { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, displayName: config.ADMIN_DISPLAY_NAME });
    }

    let pruning: Promise<unknown> | undefined;
    const pruner = setInterval(() => {
      pruning ??= Promise.all([
        pruneRefreshTokens(db, new Date(now() - PRUNE_AFTER_MS)),
        pruneRevokedSessions(db, new Date(now())),
        pruneFailures(db, new Date(now() - config.LOGIN_FAILURE_WINDOW)),
      ])
        .catch((err: unknown) => log.error({ err }, 'pruning refresh tokens failed'))
        .finally(() => {
          pruning = undefined;
        });
    }, PRUNE_INTERVAL_MS);
    pruner.unref();

    const events = createEvents({ service: 'users', db, log, amqpUrl: config.AMQP_URL, clients, metrics, exchange: config.EVENTS_EXCHANGE });
    events.relay.start();

    const deps: HandlerDeps = { db, log, credentials, sessions, ring, revocations, now };
    return {
      services: [
        register(UserServiceDefinition, createUserHandlers(deps)),
        { ...register(AuthServiceDefinition, createAuthHandlers(deps)), drain: () => revocations.close() },
        events.feed,
      ],
      stop: [
        () => revokedInAnyReplica.close(),
        () => events.relay.stop(),
        () => ring.stop(),
        async () => {
          clearInterval(pruner);
          await pruning;
        },
      ],
      jwks: async () => ({ keys: ring.publicJwks() }),
      // Its own verifier reads the list where it is written.
      revocations: (after, maxWaitMs, signal) => revocations.read(after, maxWaitMs, signal),
    };
  },
};
