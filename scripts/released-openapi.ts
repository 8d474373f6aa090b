/**
 * released-openapi writes contracts/released.openapi.json: the OpenAPI
 * document the gateway would serve from the released contract
 * (contracts/released.binpb), kept beside it so a reviewer can diff the
 * REST surface of a release against today's /openapi.json. `npm run
 * generate` and `npm run cut-contract` write it; the freshness gate checks it.
 * Usage: node --import tsx scripts/released-openapi.ts [OUT_ROOT]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadContract } from '@shop/kit';
import { buildOpenApi } from '../gateway/src/openapi/build-openapi';
import { readRoutes } from '../gateway/src/routing/routes';

const root = resolve(__dirname, '..');
const outRoot = resolve(process.argv[2] ?? root);
const contract = loadContract(readFileSync(join(root, 'contracts', 'released.binpb')));
const release = JSON.parse(readFileSync(join(root, 'contracts', 'previous-release.json'), 'utf8')) as { commit?: string };
const doc = buildOpenApi(readRoutes(contract), contract.registry, {
  title: 'shopmesh REST API, released contract',
  version: release.commit ? release.commit.slice(0, 12) : 'released',
});
mkdirSync(join(outRoot, 'contracts'), { recursive: true });
writeFileSync(join(outRoot, 'contracts', 'released.openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
