import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { createServer, type ShopServer } from './create-server';
import { createTestAuth, type TestAuth } from '../testing/test-auth';
import { captureLogger } from '../testing/capture-logger';

const buf = join(__dirname, '..', '..', '..', '..', 'node_modules', '.bin', 'buf');
const run = promisify(execFile);

describe('server reflection', () => {
  let auth: TestAuth;
  let server: ShopServer;
  let url: string;
  beforeAll(async () => {
    auth = await createTestAuth();
    server = createServer({ log: captureLogger().log, service: 'inventory', auth: auth.authenticators });
    const fail = async (): Promise<never> => {
      throw new Error('unused');
    };
    server.addService(InventoryServiceDefinition, {
      getStock: async (req) => ({ stock: { sku: req.sku, onHand: 12n, available: 12n } }),
      batchGetStock: fail,
      setStock: fail,
      adjustStock: fail,
      reserveStock: fail,
      commitReservation: fail,
      releaseReservation: fail,
      getReservation: fail,
      returnReservation: fail,
    });
    url = `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  });
  afterAll(async () => {
    await server.shutdown({ graceMs: 100 });
    auth.cleanup();
  });

  it('lists the service, health and reflection itself to buf curl', async () => {
    const { stdout } = await run(buf, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--list-services', url]);
    expect(stdout.trim().split('\n').sort()).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'shop.inventory.v1.InventoryService',
    ]);
  });

  it('describes methods well enough for buf curl to call one with JSON', async () => {
    const { stdout } = await run(buf, [
      'curl', '--protocol', 'grpc', '--http2-prior-knowledge',
      '-d', '{"sku":"MUG-1"}',
      `${url}/shop.inventory.v1.InventoryService/GetStock`,
    ]);
    expect(JSON.parse(stdout)).toEqual({ stock: { sku: 'MUG-1', onHand: '12', available: '12' } });
  });

  it('answers health checks through buf curl', async () => {
    const { stdout } = await run(buf, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '-d', '{}', `${url}/grpc.health.v1.Health/Check`]);
    expect(JSON.parse(stdout)).toEqual({ status: 'SERVING' });
  });
});
