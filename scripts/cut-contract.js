#!/usr/bin/env node
/**
 * cut-contract records the current contracts as released: later changes are
 * checked against it by `npm run breaking` (part of `npm test`). It also
 * records the commit being released in contracts/previous-release.json: the
 * code whose services must keep running against every schema later trees
 * migrate to (test/deploy/rollback.test.ts). Run it only when a release is
 * cut, on the commit released, and commit the three files (with
 * contracts/released.openapi.json, the REST surface of the release).
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execFileSync(
  path.join(root, 'node_modules', '.bin', 'buf'),
  ['build', '--path', 'proto/shop', '--exclude-source-info', '-o', path.join(root, 'contracts', 'released.binpb')],
  { cwd: root, stdio: 'inherit' },
);
const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const file = path.join(root, 'contracts', 'previous-release.json');
const record = JSON.parse(fs.readFileSync(file, 'utf8'));
fs.writeFileSync(file, `${JSON.stringify({ ...record, commit }, null, 2)}\n`);
// The REST surface of the release, for reviewers (scripts/released-openapi.ts).
execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'released-openapi.ts')], { cwd: root, stdio: 'inherit' });
console.log(
  `contracts/released.binpb, released.openapi.json and previous-release.json (${commit.slice(0, 12)}) updated: commit them with the version you cut.`,
);
