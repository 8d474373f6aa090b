/**
 * rest-breaking fails when today's contracts change the REST surface in a
 * way that breaks a client of the released contract: the gateway's routes
 * read from each descriptor set and compared (gateway/src/routing/
 * rest-breaking.ts). `npm run breaking` (scripts/breaking.js, part of
 * `npm test`) runs it after buf breaking.
 * Usage: node --import tsx scripts/rest-breaking.ts CURRENT.binpb RELEASED.binpb
 */
import { readFileSync } from 'node:fs';
import { loadContract } from '@shop/kit';
import { restBreakingChanges } from '../gateway/src/routing/rest-breaking';
import { RouteConfigError } from '../gateway/src/routing/routes';

const [current, released] = process.argv.slice(2);
if (!current || !released) {
  console.error('usage: rest-breaking CURRENT.binpb RELEASED.binpb');
  process.exit(2);
}
let breaks;
try {
  breaks = restBreakingChanges(loadContract(readFileSync(released)), loadContract(readFileSync(current)));
} catch (err) {
  // A binding the gateway cannot serve (a bad template, a body field that does not exist) is named, not a stack.
  if (!(err instanceof RouteConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
for (const b of breaks) console.error(`${b.route}: ${b.change}`);
if (breaks.length > 0) {
  console.error(
    `\nREST breaking: ${breaks.length} change${breaks.length === 1 ? '' : 's'} above break REST clients of the released contract. ` +
      'Add a route, a field or a version instead (see README, "Changing a contract").',
  );
  process.exit(1);
}
