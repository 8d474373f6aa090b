import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceIdentity, createServiceTokenVerifier } from '@shop/kit/auth/service-identity';
import { repoRoot } from '../support/repo';

const script = join(repoRoot, 'scripts', 'k8s-secrets.js');
const IDENTITIES = ['users', 'catalog', 'inventory', 'orders', 'payments', 'shipping'];

function run(args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const path = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path);
      else out[path] = readFileSync(join(dir, path), 'utf8');
    }
  };
  walk('');
  return out;
}

describe('scripts/k8s-secrets.js', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shop-k8s-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the dev overlay inputs once and leaves them alone on the next run, unless forced', () => {
    expect(run(['dev', dir]).status).toBe(0);
    const first = snapshot(dir);
    for (const name of IDENTITIES) {
      expect(Object.keys(first)).toEqual(expect.arrayContaining([`keys/${name}.private.jwk.json`, `keys/${name}.public.jwk.json`]));
      expect(statSync(join(dir, 'keys', `${name}.private.jwk.json`)).mode & 0o077).toBe(0);
    }
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['users.env', 'gateway.env', 'payment-simulator.env', 'postgres.env', 'rabbitmq.conf', 'demo-shop.json', 'values.json']));
    const again = run(['dev', dir]);
    expect(again.stdout).toContain('is up to date');
    expect(snapshot(dir)).toEqual(first);
    expect(run(['dev', dir, '--force']).status).toBe(0);
    const forced = snapshot(dir);
    expect(forced['keys/users.private.jwk.json']).not.toBe(first['keys/users.private.jwk.json']);
    expect(forced['postgres.env']).not.toBe(first['postgres.env']);
  });

  it('makes database URLs whose passwords are the ones PostgreSQL is initialised with', () => {
    run(['dev', dir]);
    const postgres = Object.fromEntries(
      readFileSync(join(dir, 'postgres.env'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    for (const name of ['users', 'catalog', 'inventory', 'orders', 'payments', 'shipping']) {
      const url = new URL(/^DATABASE_URL=(.*)$/m.exec(readFileSync(join(dir, `${name}.env`), 'utf8'))![1]!);
      expect({ name, host: url.host, user: url.username, database: url.pathname }).toEqual({ name, host: 'postgres:5432', user: name, database: `/${name}` });
      expect(url.password).toBe(postgres[`${name.toUpperCase()}_DB_PASSWORD`]);
    }
    const rabbit = /default_pass = (\S+)/.exec(readFileSync(join(dir, 'rabbitmq.conf'), 'utf8'))![1];
    expect(new URL(/^AMQP_URL=(.*)$/m.exec(readFileSync(join(dir, 'orders.env'), 'utf8'))![1]!).password).toBe(rabbit);
    const simulator = readFileSync(join(dir, 'payment-simulator.env'), 'utf8');
    expect(readFileSync(join(dir, 'payments.env'), 'utf8')).toContain(simulator.trim());
  });

  it('makes identity keys that @shop/kit signs and verifies service tokens with, without writing to the key directory', async () => {
    run(['dev', dir]);
    const keys = join(dir, 'keys');
    const before = snapshot(keys);
    const verifier = createServiceTokenVerifier({ keysDir: keys });
    for (const service of IDENTITIES) {
      const identity = await createServiceIdentity({ service, keysDir: keys });
      const principal = await verifier.verify(await identity.token('payments'));
      expect(JSON.stringify(principal)).toContain(service);
    }
    expect(snapshot(keys)).toEqual(before);
  });

  it('prints the production identity Secrets and the public key ConfigMap as one List for kubectl', async () => {
    const result = run(['identity', '--namespace', 'shop-prod']);
    expect(result.status).toBe(0);
    const list = JSON.parse(result.stdout) as {
      kind: string;
      items: Array<{ kind: string; metadata: { name: string; namespace: string }; stringData?: Record<string, string>; data?: Record<string, string> }>;
    };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => `${i.kind}/${i.metadata.name}`)).toEqual([...IDENTITIES.map((s) => `Secret/${s}-identity`), 'ConfigMap/service-public-keys']);
    expect(new Set(list.items.map((i) => i.metadata.namespace))).toEqual(new Set(['shop-prod']));
    // Written out as a pod sees them, the keys work with the kit.
    const keys = join(dir, 'prod-keys');
    mkdirSync(keys);
    for (const item of list.items) for (const [file, text] of Object.entries(item.stringData ?? item.data ?? {})) writeFileSync(join(keys, file), text);
    const identity = await createServiceIdentity({ service: 'orders', keysDir: keys });
    await expect(createServiceTokenVerifier({ keysDir: keys }).verify(await identity.token('payments'))).resolves.toBeDefined();
    const configMap = list.items.at(-1)!;
    for (const text of Object.values(configMap.data!)) expect(JSON.parse(text).d).toBeUndefined();
  });

  it('refuses unknown modes and arguments', () => {
    expect(run(['prod']).status).toBe(2);
    expect(run(['dev', dir, '--bogus']).status).toBe(2);
    expect(run(['identity', '--bogus']).status).toBe(2);
  });
});
