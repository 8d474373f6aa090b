import { credentials, status as Code } from '@grpc/grpc-js';
import { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { createPromiseClient } from '@shop/sdk/lib/promise-client';
import { createServer, type ShopServer } from '../server/create-server';
import { createMetrics } from '../telemetry/metrics';
import { createTestAuth, type TestAuth } from '../testing/test-auth';
import { captureLogger } from '../testing/capture-logger';
import { notFound } from '../errors/domain-error';
import { createClientTelemetry } from './telemetry';

describe('createClientTelemetry', () => {
  let auth: TestAuth;
  let server: ShopServer;
  let address: string;
  beforeAll(async () => {
    auth = await createTestAuth();
    server = createServer({ log: captureLogger().log, service: 'inventory', auth: auth.authenticators });
    const unused = async (): Promise<never> => {
      throw new Error('unused');
    };
    server.addService(InventoryServiceDefinition, {
      getStock: async (req) => {
        if (req.sku === 'MISSING') throw notFound('sku', req.sku);
        return { stock: { sku: req.sku } };
      },
      batchGetStock: unused, setStock: unused, adjustStock: unused, reserveStock: unused,
      commitReservation: unused, releaseReservation: unused, getReservation: unused, returnReservation: unused,
    });
    address = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  });
  afterAll(async () => {
    await server.shutdown({ graceMs: 100 });
    auth.cleanup();
  });

  it('counts finished calls by code and passes responses and errors through untouched', async () => {
    const metrics = createMetrics({ service: 'test', defaultMetrics: false });
    const client = createPromiseClient(InventoryServiceDefinition, address, credentials.createInsecure(), {
      interceptors: [createClientTelemetry(metrics)],
      defaultDeadlineMs: 5_000,
    });
    await expect(client.getStock({ sku: 'A-1' })).resolves.toMatchObject({ stock: { sku: 'A-1' } });
    await expect(client.getStock({ sku: 'MISSING' })).rejects.toMatchObject({ code: Code.NOT_FOUND });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/grpc_client_handled_total\{[^}]*grpc_method="GetStock"[^}]*grpc_code="OK"[^}]*\} 1/);
    expect(text).toMatch(/grpc_client_handled_total\{[^}]*grpc_method="GetStock"[^}]*grpc_code="NOT_FOUND"[^}]*\} 1/);
    client.close();
  });
});
