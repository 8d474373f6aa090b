#!/usr/bin/env node
/**
 * validate-k8s validates Kubernetes objects against the Kubernetes API
 * schemas, offline, with the npm package kubernetes-models (JSON schemas
 * of every built-in kind, compiled with ajv). It runs in its own plain Node
 * process so the package is loaded by Node's own require.
 *
 *   node validate-k8s.js objects.json
 *
 * objects.json holds an array of objects. It prints one JSON line:
 *   {"available": false}                    kubernetes-models is not installed
 *   {"available": true, "version": "4.5.1", "results": [{"ref": "apps/v1 Deployment users", "errors": [...]}]}
 * An object of a kind the package has no model for gets the error "no schema".
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function load(request) {
  return require(require.resolve(request, { paths: [repoRoot, ...(process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean)] }));
}

function main() {
  let version;
  try {
    version = load('kubernetes-models/package.json').version;
  } catch {
    process.stdout.write(`${JSON.stringify({ available: false })}\n`);
    return;
  }
  const objects = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const results = objects.map((object) => {
    const { apiVersion = '', kind = '' } = object;
    const ref = `${apiVersion} ${kind} ${object.metadata && object.metadata.name}`;
    // "v1" is the core group; "apps/v1", "networking.k8s.io/v1", ... are group/version.
    const modulePath = `kubernetes-models/${apiVersion}/${kind}`;
    let Model;
    try {
      Model = load(modulePath)[kind];
    } catch {
      Model = undefined;
    }
    if (typeof Model !== 'function') return { ref, errors: [`no schema for ${apiVersion} ${kind} in kubernetes-models`] };
    try {
      new Model(object).validate();
      return { ref, errors: [] };
    } catch (err) {
      const details = Array.isArray(err && err.errors)
        ? err.errors.map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
        : [String(err && err.message ? err.message : err)];
      return { ref, errors: details };
    }
  });
  process.stdout.write(`${JSON.stringify({ available: true, version, results })}\n`);
}

main();
