/** database-teardown is jest's globalTeardown: it stops the server database-setup started, if it started one. */
import type { EmbeddedPostgres } from '../../services/kit/src/embedded-postgres/embedded-postgres';
import { TEST_SERVER } from './database-setup';

export default async function databaseTeardown(): Promise<void> {
  const server = (globalThis as Record<symbol, EmbeddedPostgres | undefined>)[TEST_SERVER];
  await server?.stop();
}
