#!/usr/bin/env node
/**
 * breaking fails when the contracts in proto/ break a client of the last
 * released contract (contracts/released.binpb): gRPC clients with buf's
 * message, REST clients with scripts/rest-breaking.ts's (routes, bindings,
 * JSON names, access).
 * The baseline changes only when a version is cut (`npm run cut-contract`),
 * so a breaking change made at any point since the release fails, not just
 * one made in the latest commit.
 * Usage: node scripts/breaking.js [--root DIR]   (DIR: a copy of the repo to check)
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..');
const rootFlag = process.argv.indexOf('--root');
const root = rootFlag > 0 ? path.resolve(process.argv[rootFlag + 1]) : repo;
const buf = path.join(repo, 'node_modules', '.bin', 'buf');
// Mirrors the breaking rules of the proto module in buf.yaml. An image input
// carries no buf.yaml, so the rules are passed here.
const config = JSON.stringify({ version: 'v2', breaking: { use: ['FILE'] } });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shop-breaking-'));
try {
  const current = path.join(tmp, 'current.binpb');
  const built = spawnSync(buf, ['build', '--path', 'proto/shop', '--exclude-source-info', '-o', current], {
    cwd: root,
    encoding: 'utf8',
  });
  if (built.status !== 0) {
    process.stderr.write(built.stdout + built.stderr);
    process.exit(built.status ?? 1);
  }
  const result = spawnSync(
    buf,
    ['breaking', current, '--against', path.join(root, 'contracts', 'released.binpb'), '--config', config],
    { cwd: root, encoding: 'utf8' },
  );
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  if (result.status !== 0) {
    process.stderr.write(
      '\nbuf breaking: the change above breaks clients of the released contract. ' +
        'Add a new field, RPC or version instead (see README, "Changing a contract").\n',
    );
  }
  // buf breaking does not read google.api.http: the REST surface has its own gate.
  const rest = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'scripts', 'rest-breaking.ts'), current, path.join(root, 'contracts', 'released.binpb')], {
    cwd: repo,
    encoding: 'utf8',
  });
  process.stdout.write(rest.stdout);
  process.stderr.write(rest.stderr);
  process.exit(result.status !== 0 ? (result.status ?? 1) : (rest.status ?? 1));
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
