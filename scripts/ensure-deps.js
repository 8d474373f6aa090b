#!/usr/bin/env node
/**
 * ensure-deps installs the npm dependencies when they are missing or older
 * than package-lock.json, so that `npm start` and `npm test` work on a fresh
 * clone with no step before them. It uses only Node's standard library,
 * because it runs before anything is installed.
 */
'use strict';
const { execSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.shopmesh-lock-hash');
const hash = crypto.createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
const installed = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';

if (installed !== hash) {
  // `npm install` rather than `npm ci`: npm 11 writes lock files without the
  // other platforms' optional binaries (buf, swc), which `npm ci` then rejects
  // as out of sync. With a lock file present, `npm install` installs exactly
  // the locked versions and leaves the lock file unchanged.
  console.log('Installing npm dependencies (npm install from package-lock.json)...');
  execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
  fs.writeFileSync(stamp, hash + '\n');
}
