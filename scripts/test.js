#!/usr/bin/env node
/**
 * test is `npm test`: the type check of the whole tree, then every jest suite
 * (unit, integration and the contract gates in test/). It ends with one line
 * `N passed, N failed` that CI reads. Extra arguments go to jest.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const results = path.join(root, '.jest-results.json');

console.log('> tsc --noEmit (type check)');
const tsc = spawnSync(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
const typecheckFailed = tsc.status !== 0;

fs.rmSync(results, { force: true });
const jest = spawnSync(bin('jest'), ['--json', `--outputFile=${results}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});

let passed = 0;
let failed = 0;
if (fs.existsSync(results)) {
  const summary = JSON.parse(fs.readFileSync(results, 'utf8'));
  passed = summary.numPassedTests;
  // A suite that fails to load has no failed test of its own; count it.
  failed = summary.numFailedTests + summary.numRuntimeErrorTestSuites;
} else {
  failed = 1;
}
if (typecheckFailed) {
  console.log('type check failed (see above)');
  failed += 1;
} else {
  passed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || jest.status !== 0 ? 1 : 0);
