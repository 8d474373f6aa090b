#!/usr/bin/env node
/**
 * ensure-deps installs the npm dependencies when they are missing or were
 * installed from another package-lock.json, so that `npm start` and
 * `npm test` work on a fresh clone with no step before them. It uses only
 * Node's standard library, because it runs before anything is installed.
 *
 * It runs `npm ci`: exactly the locked versions, and the lock file is never
 * written, so a newcomer's tree stays clean. The lock file lists every
 * platform's optional binaries (buf, swc, esbuild, PostgreSQL), which npm 10
 * and npm 11 both require of `npm ci`; test/install/lock.test.ts keeps it so.
 */
'use strict';
const { execSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.shopmesh-lock-hash');
const lockHash = () => crypto.createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
const installed = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';

if (installed !== lockHash()) {
  console.log('Installing npm dependencies (npm ci, from package-lock.json)...');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
  // The stamp is the lock file as it is after the install.
  fs.writeFileSync(stamp, lockHash() + '\n');
}
