#!/usr/bin/env node
/**
 * k8s-secrets makes the secrets a Kubernetes deployment needs, at deploy
 * time, so that no private key or password is ever committed.
 *
 *   node scripts/k8s-secrets.js dev [dir] [--force]
 *     Writes the dev overlay's secretGenerator and configMapGenerator inputs
 *     into dir (default k8s/overlays/dev/generated, ignored by git): an
 *     Ed25519 identity key pair per service (keys/<service>.private.jwk.json
 *     and keys/<service>.public.jwk.json), one <service>.env per process
 *     with its database and broker URLs and secrets, the PostgreSQL and
 *     RabbitMQ credentials that match them, and a copy of demo/shop.json.
 *     Random values are kept in dir/values.json and reused on the next run,
 *     so running it again changes nothing; --force makes new ones.
 *
 *   node scripts/k8s-secrets.js identity [--namespace shop]
 *     Prints, as one JSON List for `kubectl create -f -`, a Secret
 *     <service>-identity per service holding its private key and the
 *     ConfigMap service-public-keys holding every public key: what a
 *     production namespace needs besides the <service>-secrets that the
 *     platform provides (DEPLOY.md).
 *
 * Keys are made with node:crypto and written in the JWK form that
 * @shop/kit's SERVICE_KEYS_DIR holds.
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** IDENTITIES are the processes that sign service tokens (SERVICE_KEYS_DIR); the gateway sends none. */
const IDENTITIES = ['users', 'catalog', 'inventory', 'orders', 'payments', 'shipping'];

/** DATABASES are the services with a PostgreSQL database (and role) of their own. */
const DATABASES = ['users', 'catalog', 'inventory', 'orders', 'payments', 'shipping'];

function usage(message) {
  if (message) process.stderr.write(`k8s-secrets: ${message}\n`);
  process.stderr.write(
    'usage: node scripts/k8s-secrets.js dev [dir] [--force]\n       node scripts/k8s-secrets.js identity [--namespace NAME]\n',
  );
  process.exit(2);
}

/** generateIdentity makes an Ed25519 key pair as JWKs: the private one with d, the public one without. */
function generateIdentity() {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    privateJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d },
    publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x },
  };
}

const jwkText = (jwk) => `${JSON.stringify(jwk, null, 2)}\n`;
const secret = (bytes = 24) => crypto.randomBytes(bytes).toString('hex');

function writeIfChanged(file, text, mode) {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return false;
  fs.writeFileSync(file, text, { mode });
  return true;
}

function envFile(entries) {
  return `${Object.entries(entries)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/** loadValues returns the random values of the dev environment, made once and kept in values.json. */
function loadValues(dir, force) {
  const file = path.join(dir, 'values.json');
  if (!force && fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const values = {
    postgresPassword: secret(),
    databasePasswords: Object.fromEntries(DATABASES.map((name) => [name, secret()])),
    rabbitmqPassword: secret(),
    jwtKeyEncryptionSecret: secret(32),
    catalogPageTokenSecret: secret(),
    ordersPageTokenSecret: secret(),
    paymentProviderSecret: `sk_test_${secret(16)}`,
  };
  fs.writeFileSync(file, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
  return values;
}

function dev(dir, force) {
  fs.mkdirSync(path.join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const v = loadValues(dir, force);
  const written = [];
  const write = (name, text, mode = 0o600) => {
    if (writeIfChanged(path.join(dir, name), text, mode)) written.push(name);
  };

  for (const service of IDENTITIES) {
    const privatePath = path.join('keys', `${service}.private.jwk.json`);
    const publicPath = path.join('keys', `${service}.public.jwk.json`);
    if (!force && fs.existsSync(path.join(dir, privatePath)) && fs.existsSync(path.join(dir, publicPath))) continue;
    const { privateJwk, publicJwk } = generateIdentity();
    write(privatePath, jwkText(privateJwk));
    write(publicPath, jwkText(publicJwk), 0o644);
  }

  const amqp = `amqp://shop:${v.rabbitmqPassword}@rabbitmq:5672`;
  const database = (name) => `postgres://${name}:${v.databasePasswords[name]}@postgres:5432/${name}`;
  write('users.env', envFile({ DATABASE_URL: database('users'), AMQP_URL: amqp, JWT_KEY_ENCRYPTION_SECRET: v.jwtKeyEncryptionSecret }));
  write('catalog.env', envFile({ DATABASE_URL: database('catalog'), AMQP_URL: amqp, PAGE_TOKEN_SECRET: v.catalogPageTokenSecret }));
  write('inventory.env', envFile({ DATABASE_URL: database('inventory'), AMQP_URL: amqp }));
  write('orders.env', envFile({ DATABASE_URL: database('orders'), AMQP_URL: amqp, PAGE_TOKEN_SECRET: v.ordersPageTokenSecret }));
  write('payments.env', envFile({ DATABASE_URL: database('payments'), AMQP_URL: amqp, PAYMENT_PROVIDER_SECRET: v.paymentProviderSecret }));
  write('shipping.env', envFile({ DATABASE_URL: database('shipping'), AMQP_URL: amqp }));
  write('gateway.env', envFile({ REDIS_URL: 'redis://redis:6379' }));
  write('payment-simulator.env', envFile({ PAYMENT_PROVIDER_SECRET: v.paymentProviderSecret }));
  write(
    'postgres.env',
    envFile({
      POSTGRES_PASSWORD: v.postgresPassword,
      ...Object.fromEntries(DATABASES.map((name) => [`${name.toUpperCase()}_DB_PASSWORD`, v.databasePasswords[name]])),
    }),
  );
  write('rabbitmq.conf', `default_user = shop\ndefault_pass = ${v.rabbitmqPassword}\n`);
  write('demo-shop.json', fs.readFileSync(path.join(root, 'demo', 'shop.json'), 'utf8'), 0o644);

  process.stdout.write(
    written.length === 0
      ? `k8s-secrets: ${dir} is up to date\n`
      : `k8s-secrets: wrote ${written.length} files into ${dir} (never commit them)\n`,
  );
}

function identity(namespace) {
  const items = [];
  const publicKeys = {};
  for (const service of IDENTITIES) {
    const { privateJwk, publicJwk } = generateIdentity();
    publicKeys[`${service}.public.jwk.json`] = jwkText(publicJwk);
    items.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${service}-identity`, namespace, labels: { 'app.kubernetes.io/part-of': 'shopmesh' } },
      type: 'Opaque',
      stringData: { [`${service}.private.jwk.json`]: jwkText(privateJwk) },
    });
  }
  items.push({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'service-public-keys', namespace, labels: { 'app.kubernetes.io/part-of': 'shopmesh' } },
    data: publicKeys,
  });
  process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`);
}

function main(argv) {
  const [mode, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('--'));
  const args = rest.filter((a) => !a.startsWith('--'));
  if (mode === 'dev') {
    const unknown = flags.filter((f) => f !== '--force');
    if (unknown.length > 0 || args.length > 1) usage(`unexpected ${[...unknown, ...args.slice(1)].join(' ')}`);
    dev(path.resolve(args[0] ?? path.join(root, 'k8s', 'overlays', 'dev', 'generated')), flags.includes('--force'));
  } else if (mode === 'identity') {
    let namespace = 'shop';
    for (let i = 0; i < rest.length; i += 1) {
      if (rest[i] === '--namespace' && rest[i + 1]) namespace = rest[(i += 1)];
      else if (rest[i].startsWith('--namespace=')) namespace = rest[i].slice('--namespace='.length);
      else usage(`unexpected ${rest[i]}`);
    }
    identity(namespace);
  } else {
    usage(mode ? `unknown mode ${mode}` : undefined);
  }
}

module.exports = { IDENTITIES, DATABASES, generateIdentity };

if (require.main === module) main(process.argv.slice(2));
