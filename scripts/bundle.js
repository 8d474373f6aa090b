#!/usr/bin/env node
/**
 * bundle writes what one shopmesh process needs at run time, and nothing
 * else, into a folder that the Dockerfile copies into its image:
 *
 *   <out>/dist/main.js          the process, bundled by esbuild (its code, @shop/kit, @shop/sdk
 *                               and almost every npm dependency in one CommonJS file)
 *   <out>/dist/main.js.map      source map without sources (node --enable-source-maps)
 *   <out>/dist/healthcheck.js   exits 0 when the process answers /healthz (Docker HEALTHCHECK, compose)
 *   <out>/migrations/           the service's SQL migrations (`path.join(__dirname, '..', 'migrations')`)
 *   <out>/descriptor.binpb      the contract descriptor set (gen/lib/descriptor.ts looks in `__dirname/..`)
 *   <out>/node_modules/         the few packages that read their own files at run time, with their
 *                               production dependencies
 *   <out>/package.json
 *
 * Usage: node scripts/bundle.js <app> <out-dir>      (node scripts/bundle.js --list prints the apps)
 *
 * Why a bundle: tsc does not rewrite the @shop/* path aliases, and the
 * workspaces' package.json files point at TypeScript sources; running tsx in
 * production would ship the dev dependencies and compile at every start. One
 * esbuild file per process starts fast and keeps the image small.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/**
 * APPS are the processes an image can hold: the entry point, the
 * migrations folder (services only) and how the health check reaches it.
 */
const APPS = {
  users: { entry: 'services/users/src/main.ts', migrations: 'services/users/migrations', health: 'METRICS_PORT' },
  catalog: { entry: 'services/catalog/src/main.ts', migrations: 'services/catalog/migrations', health: 'METRICS_PORT' },
  inventory: { entry: 'services/inventory/src/main.ts', migrations: 'services/inventory/migrations', health: 'METRICS_PORT' },
  orders: { entry: 'services/orders/src/main.ts', migrations: 'services/orders/migrations', health: 'METRICS_PORT' },
  payments: { entry: 'services/payments/src/main.ts', migrations: 'services/payments/migrations', health: 'METRICS_PORT' },
  shipping: { entry: 'services/shipping/src/main.ts', migrations: 'services/shipping/migrations', health: 'METRICS_PORT' },
  // The gateway loads ioredis and swagger-ui-dist by name at run time when they are installed.
  gateway: { entry: 'gateway/src/main.ts', health: 'HTTP_PORT', runtimePackages: ['ioredis', 'swagger-ui-dist'] },
  'payment-simulator': { entry: 'services/payments/src/simulator/simulator-main.ts', health: 'SIMULATOR_PORT' },
};

/**
 * EXTERNAL are packages left out of the bundle and shipped in node_modules:
 * grpc-health-check and @grpc/reflection load .proto files from their own
 * folders at run time, and @grpc/grpc-js is shared with them so the process
 * has exactly one copy. pg-native is pg's optional native driver, never used;
 * ioredis and swagger-ui-dist are the gateway's optional packages.
 */
const EXTERNAL = ['@grpc/grpc-js', '@grpc/proto-loader', 'grpc-health-check', '@grpc/reflection', 'protobufjs', 'pg-native', 'ioredis', 'swagger-ui-dist'];

/** UNUSED_FILE matches the files of a copied package that Node never loads. */
const UNUSED_FILE = /(\.map|\.[cm]?ts|\.md)$/;

/**
 * noEmbeddedDatabase replaces PGlite (WebAssembly, 27 MB, loaded from its
 * own folder) with a stub: images always run on PostgreSQL, and a container
 * started without DATABASE_URL says so instead of failing inside PGlite.
 */
const noEmbeddedDatabase = {
  name: 'no-embedded-database',
  setup(build) {
    build.onResolve({ filter: /^@electric-sql\/pglite$/ }, () => ({ path: 'pglite', namespace: 'no-embedded-database' }));
    build.onLoad({ filter: /.*/, namespace: 'no-embedded-database' }, () => ({
      loader: 'js',
      contents: `
        const message = 'this image has no embedded database (PGlite): set DATABASE_URL to a PostgreSQL database';
        class PGlite {
          constructor() { throw new Error(message); }
          static async create() { throw new Error(message); }
        }
        module.exports = { PGlite };`,
    }));
  },
};

/** SKIP are dependencies that are never needed at run time (type declarations). */
const SKIP = (name) => name.startsWith('@types/');

function usage(message) {
  if (message) process.stderr.write(`bundle: ${message}\n`);
  process.stderr.write(`usage: node scripts/bundle.js <app> <out-dir>\napps: ${Object.keys(APPS).join(', ')}\n`);
  process.exit(2);
}

/** findPackageDir resolves a package the way Node does: node_modules folders from `from` up to the repo root. */
function findPackageDir(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === path.dirname(dir)) return undefined;
  }
}

/**
 * copyPackages copies each package and, recursively, its dependencies,
 * optional and peer dependencies that are installed, to the same place
 * under out, so Node resolves them there exactly as in the repository.
 */
function copyPackages(names, out) {
  const seen = new Set();
  const queue = names.map((name) => ({ name, from: root, required: true }));
  while (queue.length > 0) {
    const { name, from, required } = queue.shift();
    if (SKIP(name)) continue;
    const dir = findPackageDir(name, from);
    if (dir === undefined) {
      if (required) throw new Error(`bundle: ${name} is not installed (run npm ci)`);
      continue;
    }
    if (seen.has(dir)) continue;
    seen.add(dir);
    const relative = path.relative(root, dir);
    fs.cpSync(dir, path.join(out, relative), {
      recursive: true,
      dereference: true,
      // A package's own nested node_modules are copied as packages of their own,
      // only when needed; sources, type declarations and source maps are not run.
      filter: (src) => !path.relative(dir, src).split(path.sep).includes('node_modules') && !UNUSED_FILE.test(src),
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) queue.push({ name: dep, from: dir, required: true });
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) queue.push({ name: dep, from: dir, required: false });
    for (const dep of Object.keys(manifest.peerDependencies ?? {})) queue.push({ name: dep, from: dir, required: false });
  }
  return [...seen].map((dir) => path.relative(root, dir)).sort();
}

function healthcheckSource(portVariable) {
  const fallback = { METRICS_PORT: 9464, HTTP_PORT: 8080, SIMULATOR_PORT: 8090 }[portVariable];
  return `'use strict';
// healthcheck exits 0 when this process answers GET /healthz with 200 (Docker HEALTHCHECK).
const port = process.env.${portVariable} || '${fallback}';
const request = require('node:http').get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', () => process.exit(1));
`;
}

/** NODE_BUNDLE are the esbuild options of every bundle: one CommonJS file for Node 20, source maps without sources. */
const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // tsconfig.json maps @shop/sdk and @shop/kit to their sources.
  tsconfig: path.join(root, 'tsconfig.json'),
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
};

/** copyRunFiles puts beside a bundle what it reads at run time: its migrations and the contract descriptor set. */
function copyRunFiles(spec, out) {
  if (spec.migrations) fs.cpSync(path.join(root, spec.migrations), path.join(out, 'migrations'), { recursive: true });
  fs.copyFileSync(path.join(root, 'gen', 'descriptor.binpb'), path.join(out, 'descriptor.binpb'));
}

/** bundle builds one app into outDir, a folder complete on its own for its image. */
async function bundle(app, outDir) {
  const spec = APPS[app];
  const out = path.resolve(outDir);
  const entry = path.join(root, spec.entry);
  if (!fs.existsSync(entry)) throw new Error(`bundle: ${spec.entry} does not exist yet`);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(path.join(out, 'dist'), { recursive: true });

  const esbuild = require('esbuild');
  const result = await esbuild.build({
    ...NODE_BUNDLE,
    entryPoints: [entry],
    outfile: path.join(out, 'dist', 'main.js'),
    external: EXTERNAL,
    plugins: [noEmbeddedDatabase],
    metafile: true,
  });

  copyRunFiles(spec, out);
  fs.writeFileSync(path.join(out, 'dist', 'healthcheck.js'), healthcheckSource(spec.health));

  // Ship only the externals the bundle actually requires.
  const required = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports ?? []) if (imp.external && !imp.path.startsWith('node:')) required.add(imp.path);
  }
  const packages = [...required]
    .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]))
    .filter((name) => EXTERNAL.includes(name) && findPackageDir(name, root) !== undefined);
  // Packages found by name at run time (require.resolve), shipped when installed.
  for (const name of spec.runtimePackages ?? []) if (findPackageDir(name, root) !== undefined) packages.push(name);
  const copied = copyPackages([...new Set(packages)], out);

  const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  fs.writeFileSync(
    path.join(out, 'package.json'),
    `${JSON.stringify({ name: `shopmesh-${app}`, version, private: true, main: 'dist/main.js', license: 'Apache-2.0' }, null, 2)}\n`,
  );
  return { app, out, packages: copied, bytes: fs.statSync(path.join(out, 'dist', 'main.js')).size };
}

/** LOCAL_DIR holds the bundles `npm start` runs: dist/local/<app>/dist/main.js. */
const LOCAL_DIR = path.join(root, 'dist', 'local');

/** SOURCES are what a bundle is built from; a change to any of them makes the local bundles stale. */
const SOURCES = ['services', 'gateway/src', 'gen', 'tsconfig.json', 'package-lock.json', 'scripts/bundle.js'];

/** sourcesHash digests every source file's path and content (tests, node_modules and dist left out). */
function sourcesHash() {
  const hash = require('node:crypto').createHash('sha256');
  const visit = (rel) => {
    const full = path.join(root, rel);
    const stat = fs.statSync(full, { throwIfNoEntry: false });
    if (stat === undefined) return;
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(full).sort()) {
        if (name === 'node_modules' || name === 'dist' || name === 'test' || name.endsWith('.test.ts')) continue;
        visit(path.join(rel, name));
      }
      return;
    }
    hash.update(`${rel}\0`).update(fs.readFileSync(full)).update('\0');
  };
  for (const rel of SOURCES) visit(rel);
  return hash.digest('hex');
}

/**
 * ensureLocalBundles builds every app into dist/local when its sources have
 * changed since the last build (a stamp holds their hash), so `npm start`
 * runs plain JavaScript: no compiler in each process. Returns the folder
 * and whether it built.
 */
async function ensureLocalBundles() {
  const stamp = path.join(LOCAL_DIR, '.sources-hash');
  const hash = sourcesHash();
  const current = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === hash;
  if (current && Object.keys(APPS).every((app) => fs.existsSync(path.join(LOCAL_DIR, app, 'dist', 'main.js')))) {
    return { dir: LOCAL_DIR, built: false };
  }
  fs.rmSync(LOCAL_DIR, { recursive: true, force: true });
  // One esbuild run for every app: they share most modules, parsed once.
  // The externals and PGlite stay in the repository's node_modules, which
  // Node finds from dist/local/<app>/dist upwards; nothing is copied.
  await require('esbuild').build({
    ...NODE_BUNDLE,
    entryPoints: Object.entries(APPS).map(([app, spec]) => ({ in: path.join(root, spec.entry), out: `${app}/dist/main` })),
    outdir: LOCAL_DIR,
    external: [...EXTERNAL, '@electric-sql/pglite'],
    // Smaller source is less for V8 to parse at every start; names are kept
    // for stack traces, and the source maps map lines back.
    minifyWhitespace: true,
    minifySyntax: true,
  });
  for (const [app, spec] of Object.entries(APPS)) copyRunFiles(spec, path.join(LOCAL_DIR, app));
  fs.writeFileSync(stamp, `${hash}\n`);
  return { dir: LOCAL_DIR, built: true };
}

async function main() {
  const [app, outDir] = process.argv.slice(2);
  if (app === '--list') {
    process.stdout.write(`${Object.keys(APPS).join('\n')}\n`);
    return;
  }
  if (!app || !outDir) usage();
  if (!Object.hasOwn(APPS, app)) usage(`unknown app ${JSON.stringify(app)}`);
  const summary = await bundle(app, outDir);
  process.stdout.write(
    `bundled ${summary.app} into ${summary.out}: dist/main.js ${(summary.bytes / 1e6).toFixed(1)} MB, ` +
      `node_modules: ${summary.packages.length} packages\n`,
  );
}

module.exports = { APPS, EXTERNAL, bundle, ensureLocalBundles, LOCAL_DIR };

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
