import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import type { JWK } from 'jose';
import pino from 'pino';
import { sharedContract } from '@shop/kit';
import { createTestAuth, startTestService, type TestAuth, type TestService } from '@shop/kit/testing';
import { createPromiseClient } from '@shop/sdk/lib/promise-client';
import { AuthServiceDefinition } from '@shop/sdk/ts/shop/users/v1/auth_service';
import { freePort } from '../../../test/support/mesh';
import { createGateway, type Gateway } from '../../src/create-gateway';

export const SERVICES = ['users', 'catalog', 'inventory', 'orders', 'payments', 'shipping'] as const;
export type ServiceName = (typeof SERVICES)[number];

const ROOT = join(__dirname, '..', '..', '..');

/** present tells whether a service exists under services/. */
export const present = (name: ServiceName) => existsSync(join(ROOT, 'services', name, 'src', 'service.ts'));

/** MESH_ADMIN is the admin account the users service creates at start. */
export const MESH_ADMIN = { email: 'root@shop.example', password: 'root-password-1' };

/** RealMesh is every service under services/ running as in production (own runtime, PGlite), with a gateway in front. */
export interface RealMesh {
  base: string;
  gateway: Gateway;
  /** auth is the test key set the services also trust (a token it signs is not the users service's). */
  auth: TestAuth;
  running: ReadonlyMap<ServiceName, TestService>;
  stop(): Promise<void>;
}

/**
 * startRealMesh starts each service present under services/ in this
 * process, users first: the others, and the gateway, verify tokens with the
 * real users service's keys and hear of ended sessions from it. A service
 * that does not exist is left unreachable (127.0.0.1:1).
 */
export async function startRealMesh(env: Partial<Record<ServiceName, Record<string, string>>> = {}): Promise<RealMesh> {
  const testAuth: TestAuth = await createTestAuth();
  const running = new Map<ServiceName, TestService>();
  const ports = new Map<ServiceName, number>();
  for (const name of SERVICES) ports.set(name, await freePort());
  const addresses: Record<string, string> = {};
  for (const name of SERVICES) addresses[`${name.toUpperCase()}_ADDRESS`] = `127.0.0.1:${ports.get(name)}`;
  let usersJwks: TestAuth['jwks'] = testAuth.jwks;
  let usersRevocations: TestAuth['revocations'] = testAuth.revocations;
  const own: Partial<Record<ServiceName, Record<string, string>>> = {
    users: { PASSWORD_HASH_COST: '10', ADMIN_EMAIL: MESH_ADMIN.email, ADMIN_PASSWORD: MESH_ADMIN.password, JWT_KEY_ACTIVATION_DELAY: '0s' },
  };
  for (const name of SERVICES.filter(present)) {
    const module = require(join(ROOT, 'services', name, 'src', 'service.ts')) as Record<string, unknown>;
    const spec = module[`${name}Service`];
    const serviceEnv = { LOG_LEVEL: 'error', ...addresses, ...own[name], ...env[name], GRPC_PORT: String(ports.get(name)) };
    const service = await startTestService(spec as never, { auth: { ...testAuth, jwks: usersJwks, revocations: usersRevocations }, backend: 'pglite', env: serviceEnv });
    running.set(name, service);
    if (name === 'users') {
      const client = createPromiseClient(AuthServiceDefinition, service.address, credentials.createInsecure(), { defaultDeadlineMs: 3_000 });
      usersJwks = async () => ({ keys: (await client.getJwks({})).keys.map((k) => Object.fromEntries(Object.entries(k).filter(([, v]) => v !== '')) as JWK) });
      // The other services hear of ended sessions from the real users service, as in production.
      const waiting = createPromiseClient(AuthServiceDefinition, service.address, credentials.createInsecure(), { defaultDeadlineMs: 30_000 });
      usersRevocations = async (afterPosition, maxWaitMs, signal) => {
        const reply = await waiting.listRevokedSessions({ afterPosition, maxWait: { seconds: BigInt(Math.floor(maxWaitMs / 1000)), nanos: (maxWaitMs % 1000) * 1e6 } }, { signal });
        return { sessions: reply.sessions.map((s) => ({ sessionId: s.sessionId, expireTime: s.expireTime!.getTime() })), position: reply.position };
      };
    }
  }
  const gateway = createGateway({
    contract: sharedContract(),
    log: pino({ level: 'silent' }),
    backends: (service) => {
      const name = /^shop\.([a-z]+)\.v1\./.exec(service)?.[1] as ServiceName | undefined;
      const found = name === undefined ? undefined : running.get(name);
      return [found?.address ?? '127.0.0.1:1'];
    },
    settings: { rateLimit: { ip: { perSecond: 1_000, burst: 1_000 }, user: { perSecond: 1_000, burst: 1_000 } }, connectTimeoutMs: 500 },
  });
  const base = `http://127.0.0.1:${await gateway.listen(0)}`;
  return {
    base,
    gateway,
    auth: testAuth,
    running,
    async stop() {
      await gateway.close({ graceMs: 500 });
      for (const service of running.values()) await service.stop();
      testAuth.cleanup();
    },
  };
}
