import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { z } from 'zod';
import { startService, type ServiceSpec } from '../runtime/run-service';
import type { TestAuth } from './test-auth';

/** Backend is where a test service keeps its data. */
export type Backend = 'pglite' | 'postgres';

/** TEST_DATABASE_URL is the PostgreSQL the suites use when it is set (CI sets it). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

/** backends lists the storage backends to run a suite on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function backends(): Backend[] {
  if (!TEST_DATABASE_URL) {
    // Said once per suite file, so a run without PostgreSQL shows what it skipped.
    console.warn('TEST_DATABASE_URL is not set: skipping the PostgreSQL runs of this suite (PGlite only)');
    return ['pglite'];
  }
  return ['pglite', 'postgres'];
}

/** TestService is a real service process-in-process on a free port. */
export interface TestService {
  address: string;
  /** metricsPort is where /metrics and /healthz answer, when the env set METRICS_PORT (0 picks a free port). */
  metricsPort?: number;
  /** stop drains the service and removes its data (directory or schema). */
  stop(): Promise<void>;
}

/**
 * startTestService runs a service the way main.ts does, on port 0, with its
 * data in a temp directory (PGlite) or a throwaway schema (PostgreSQL), and
 * user tokens verified against the test keys.
 */
export async function startTestService<S extends z.ZodRawShape>(
  spec: ServiceSpec<S>,
  options: { auth: TestAuth; backend: Backend; env?: Record<string, string>; dataDir?: string; schema?: string },
): Promise<TestService> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `shop-${spec.name}-`));
  const schema = options.schema ?? `t_${spec.name.replace(/-/g, '_')}_${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    LOG_LEVEL: 'warn',
    GRPC_PORT: '0',
    METRICS_PORT: '-1',
    DATA_DIR: dataDir,
    SERVICE_KEYS_DIR: options.auth.keysDir,
    ...(options.backend === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
    ...options.env,
  };
  const running = await startService(spec, env, { jwks: options.auth.jwks, revocations: options.auth.revocations });
  return {
    address: `127.0.0.1:${running.grpcPort}`,
    metricsPort: running.metricsPort,
    async stop() {
      await running.stop();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      if (options.backend === 'postgres' && options.schema === undefined) await dropSchema(schema);
    },
  };
}

/** dropSchema removes a throwaway test schema. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
