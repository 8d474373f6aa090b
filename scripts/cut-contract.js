#!/usr/bin/env node
/**
 * cut-contract records the current contracts as released: later changes are
 * checked against it by `npm run breaking` (part of `npm test`). Run it only
 * when a version of the contracts is cut, and commit contracts/released.binpb.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execFileSync(
  path.join(root, 'node_modules', '.bin', 'buf'),
  ['build', '--path', 'proto/shop', '--exclude-source-info', '-o', path.join(root, 'contracts', 'released.binpb')],
  { cwd: root, stdio: 'inherit' },
);
console.log('contracts/released.binpb updated: commit it with the version you cut.');
