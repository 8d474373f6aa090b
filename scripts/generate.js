#!/usr/bin/env node
/**
 * generate writes everything under gen/ that comes from the contracts:
 *   - gen/ts/**            typed messages and grpc-js + generic service definitions (ts-proto)
 *   - gen/descriptor.binpb a FileDescriptorSet of every file, with comments, for
 *                          server reflection and the gateway
 *   - contracts/released.openapi.json  the REST surface of the released contract
 *                          (scripts/released-openapi.ts), for reviewers to diff
 * Usage: node scripts/generate.js [--out DIR]   (DIR defaults to the repo root;
 * the freshness gate generates into a temporary DIR and compares).
 */
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const outFlag = process.argv.indexOf('--out');
const outRoot = outFlag > 0 ? path.resolve(process.argv[outFlag + 1]) : root;
const buf = path.join(root, 'node_modules', '.bin', 'buf');

function run(args) {
  execFileSync(buf, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

run(['generate', '--output', outRoot]);
fs.mkdirSync(path.join(outRoot, 'gen'), { recursive: true });
// The same inputs as buf.gen.yaml, so reflection can describe every type a
// service's messages mention, including google.rpc error details, plus the
// standard health and reflection services every server also serves.
run([
  'build',
  '--output', path.join(outRoot, 'gen', 'descriptor.binpb'),
  '--path', 'proto/shop',
  '--path', 'third_party/proto/google/rpc/status.proto',
  '--path', 'third_party/proto/google/rpc/error_details.proto',
  '--path', 'third_party/proto/google/rpc/code.proto',
  '--path', 'third_party/proto/grpc/health/v1/health.proto',
  '--path', 'third_party/proto/grpc/reflection/v1/reflection.proto',
  '--path', 'third_party/proto/grpc/reflection/v1alpha/reflection.proto',
]);
// The released contract's OpenAPI document, beside contracts/released.binpb.
execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'released-openapi.ts'), outRoot], { cwd: root, stdio: 'inherit' });
