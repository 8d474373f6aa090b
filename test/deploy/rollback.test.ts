/**
 * Rollback after a migration: the previous release's code, run against the
 * schema this tree migrates to. In a blue-green release both tracks share
 * the databases, so once green has migrated, blue's pods (kept for rollback)
 * must still start and serve: every migration added since the previous
 * release has to be an expand step, marked `-- migration: compatible`
 * (see migrate() in the kit and DEPLOY.md).
 *
 * For each service whose migrations changed since the release recorded in
 * contracts/previous-release.json, on PGlite and on PostgreSQL: migrate a
 * fresh database with this tree's migrations, extract the previous
 * release's tree (git archive), start that service from it as its own
 * process, and check that it serves, calls included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import pino from 'pino';
import { createServer, loadMigrations, migrate, openDatabase, type ShopServer } from '@shop/kit';
import { createTestAuth, type TestAuth } from '@shop/kit/testing';
import { checkHealth } from '@shop/kit/testing/health-client';
import { backends, dropSchema, TEST_DATABASE_URL, type Backend } from '@shop/kit/testing/start-test-service';
import { ShopError } from '@shop/sdk/lib/errors';
import { createPromiseClient } from '@shop/sdk/lib/promise-client';
import { OrderServiceDefinition } from '@shop/sdk/ts/shop/orders/v1/order_service';
import { AuthServiceDefinition } from '@shop/sdk/ts/shop/users/v1/auth_service';
import { UserServiceDefinition } from '@shop/sdk/ts/shop/users/v1/user_service';
import { freePort } from '../support/mesh';
import { repoRoot, run } from '../support/repo';

const previous = (JSON.parse(readFileSync(join(repoRoot, 'contracts', 'previous-release.json'), 'utf8')) as { commit: string }).commit;

/** changedServices are the services whose migrations differ between the previous release and this tree. */
function changedServices(): string[] {
  const known = run('git', ['cat-file', '-e', `${previous}^{commit}`]);
  if (known.status !== 0) throw new Error(`the previous release ${previous} is not in this clone (a shallow clone?): fetch its history to run this suite`);
  const diff = run('git', ['diff', '--name-only', previous, '--', 'services']);
  const untracked = run('git', ['ls-files', '--others', '--exclude-standard', '--', 'services']);
  const names = `${diff.stdout}\n${untracked.stdout}`
    .split('\n')
    .map((path) => /^services\/([a-z]+)\/migrations\/[^/]+\.sql$/.exec(path)?.[1])
    .filter((name): name is string => name !== undefined);
  return [...new Set(names)].sort();
}

/** Probe calls a started service of the previous release the way its clients would. */
interface Probe {
  /** env is what the service needs besides storage (the stand-in users service's address, for token keys). */
  env?: (rig: Rig) => Record<string, string>;
  call(address: string, rig: Rig): Promise<void>;
}

/** Rig is what probes share: test keys and a stand-in users service that publishes them. */
interface Rig {
  auth: TestAuth;
  usersAddress: string;
}

const PROBES: Record<string, Probe> = {
  users: {
    async call(address) {
      const options = { defaultDeadlineMs: 5_000 };
      const users = createPromiseClient(UserServiceDefinition, address, credentials.createInsecure(), options);
      const auth = createPromiseClient(AuthServiceDefinition, address, credentials.createInsecure(), options);
      try {
        const email = `rollback-${randomBytes(4).toString('hex')}@example.com`;
        await users.register({ email, password: 'a-long-password-1', displayName: 'Rolled Back' });
        const { tokens } = await auth.login({ email, password: 'a-long-password-1' });
        expect(tokens?.accessToken.split('.')).toHaveLength(3);
        await auth.logout({ refreshToken: tokens!.refreshToken });
      } finally {
        users.close();
        auth.close();
      }
    },
  },
  orders: {
    env: (rig) => ({ USERS_ADDRESS: rig.usersAddress }),
    async call(address, rig) {
      const orders = createPromiseClient(OrderServiceDefinition, address, credentials.createInsecure(), { defaultDeadlineMs: 5_000 });
      try {
        const user = { metadata: { authorization: `Bearer ${await rig.auth.userToken({ userId: `rollback-${randomBytes(3).toString('hex')}` })}` } };
        // Reads the orders and sagas tables the newer schema has (an empty page for a new user).
        expect((await orders.listOrders({}, user)).orders).toEqual([]);
        const missing = await orders.getOrder({ orderId: '00000000-0000-4000-8000-000000000000' }, user).catch((err: unknown) => err);
        expect((missing as ShopError).code).toBe(5);
      } finally {
        orders.close();
      }
    },
  },
};

/** extractPrevious writes the previous release's tree to a temp directory that shares this checkout's node_modules. */
function extractPrevious(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shop-previous-release-'));
  const archive = run('sh', ['-c', `git archive ${previous} | tar -x -C '${dir}'`]);
  if (archive.status !== 0) throw new Error(`cannot extract ${previous}: ${archive.output}`);
  // The packages are shared; the workspace links (@shop/*) point into the extracted tree, as they do in a checkout.
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
    if (entry === '@shop') continue;
    symlinkSync(join(repoRoot, 'node_modules', entry), join(modules, entry));
  }
  mkdirSync(join(modules, '@shop'));
  for (const link of readdirSync(join(repoRoot, 'node_modules', '@shop'))) {
    symlinkSync(readlinkSync(join(repoRoot, 'node_modules', '@shop', link)), join(modules, '@shop', link));
  }
  return dir;
}

const services = changedServices();

describe('the previous release against this tree\'s schema', () => {
  let tree: string;
  let rig: Rig;
  let users: ShopServer;
  beforeAll(async () => {
    tree = extractPrevious();
    const auth = await createTestAuth();
    // A stand-in users service: the token keys, for services that verify user tokens (the spawned
    // services keep their identity keys in the rig's keys directory, so it knows their tokens).
    users = createServer({ log: pino({ level: 'silent' }), service: 'users', auth: auth.authenticators });
    const unimplemented = async () => {
      throw new Error('not part of the stand-in');
    };
    const stand = Object.fromEntries(Object.keys(AuthServiceDefinition.methods).map((m) => [m, unimplemented]));
    users.addService(AuthServiceDefinition, { ...stand, getJwks: async () => ({ keys: (await auth.jwks()).keys }) } as never);
    rig = { auth, usersAddress: `127.0.0.1:${await users.listen('127.0.0.1', 0)}` };
  });
  afterAll(async () => {
    await users?.shutdown({ graceMs: 0 });
    rig?.auth.cleanup();
    if (tree) rmSync(tree, { recursive: true, force: true });
  });

  it('names the services whose schema changed, and can probe each of them', () => {
    // Nothing changed is fine; a changed service without a probe would pass unchecked.
    for (const name of services) expect(Object.keys(PROBES)).toContain(name);
  });

  describe.each(backends())('on %s', (backend: Backend) => {
    it.each(services.map((s) => [s]))('runs the previous release of %s, which starts and serves', async (name) => {
      const dataDir = mkdtempSync(join(tmpdir(), `shop-rollback-${name}-`));
      const schema = `t_rollback_${name}_${randomBytes(4).toString('hex')}`;
      const storage = backend === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL!, DATABASE_SCHEMA: schema } : { DATA_DIR: dataDir };
      let child: ChildProcess | undefined;
      let output = '';
      try {
        // This tree migrates first, as green does in a release.
        const db = await openDatabase({ service: name, databaseUrl: storage.DATABASE_URL, schema: storage.DATABASE_SCHEMA, dataRoot: dataDir });
        const applied = await migrate(db, await loadMigrations(join(repoRoot, 'services', name, 'migrations')));
        await db.close();

        const port = await freePort();
        child = spawn(process.execPath, ['--import', 'tsx', join(tree, 'services', name, 'src', 'main.ts')], {
          cwd: tree,
          env: {
            ...process.env,
            LOG_LEVEL: 'info',
            GRPC_PORT: String(port),
            METRICS_PORT: '-1',
            SERVICE_KEYS_DIR: rig.auth.keysDir,
            PASSWORD_HASH_COST: '10',
            ...PROBES[name]?.env?.(rig),
            ...storage,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const collect = (d: Buffer) => void (output += d.toString());
        child.stdout!.on('data', collect);
        child.stderr!.on('data', collect);
        const address = `127.0.0.1:${port}`;
        const deadline = Date.now() + 60_000;
        for (;;) {
          if (child.exitCode !== null) throw new Error(`the previous release of ${name} exited with ${child.exitCode}:\n${output}`);
          if ((await checkHealth(address).catch(() => 'DOWN')) === 'SERVING') break;
          if (Date.now() > deadline) throw new Error(`the previous release of ${name} did not become SERVING:\n${output}`);
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(output).toContain('the database schema is ahead of this build by migrations marked compatible');
        expect(applied.version).toBeGreaterThan(0);
        await PROBES[name]!.call(address, rig).catch((err: unknown) => {
          throw new Error(`the previous release of ${name} failed a call: ${String(err)}\n${output}`);
        });
      } finally {
        if (child && child.exitCode === null) {
          const exited = new Promise((r) => child!.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(dataDir, { recursive: true, force: true });
        if (backend === 'postgres') await dropSchema(schema);
      }
    }, 90_000);
  });
});
