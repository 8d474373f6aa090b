import { status as Code } from '@grpc/grpc-js';
import { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { ShopError } from '@shop/sdk/lib/errors';
import { createServer, type ShopServer } from '../server/create-server';
import type { ServiceImplementation } from '../server/definition';
import { createMeshClients } from './create-client';
import { unavailable, invalidArgument } from '../errors/domain-error';
import { createTestAuth, type TestAuth } from '../testing/test-auth';
import { captureLogger } from '../testing/capture-logger';
import type { CallContext } from '../context/call-context';

type Inventory = ServiceImplementation<typeof InventoryServiceDefinition>;
const unused = async (): Promise<never> => {
  throw new Error('not used by this test');
};
function inventory(overrides: Partial<Inventory>): Inventory {
  return {
    getStock: unused,
    reserveStock: unused,
    batchGetStock: unused,
    setStock: unused,
    adjustStock: unused,
    commitReservation: unused,
    releaseReservation: unused,
    getReservation: unused,
    returnReservation: unused,
    ...overrides,
  };
}

describe('clients made by createMeshClients', () => {
  let auth: TestAuth;
  const servers: ShopServer[] = [];
  const closers: Array<() => void> = [];
  beforeAll(async () => {
    auth = await createTestAuth();
  });
  afterEach(async () => {
    closers.splice(0).forEach((c) => c());
    await Promise.all(servers.splice(0).map((s) => s.shutdown({ graceMs: 100 })));
  });
  afterAll(() => auth.cleanup());

  async function serve(impl: Inventory): Promise<string> {
    const server = createServer({ log: captureLogger().log, service: 'inventory', auth: auth.authenticators, internalCallers: { '*': ['orders'] } });
    server.addService(InventoryServiceDefinition, impl);
    const port = await server.listen('127.0.0.1', 0);
    servers.push(server);
    return `127.0.0.1:${port}`;
  }

  function clients(service = 'orders') {
    const mesh = createMeshClients({ serviceToken: async (audience) => (await auth.identity(service)).token(audience) });
    closers.push(() => mesh.close());
    return mesh;
  }

  it('passes the first caller\'s deadline on to the third hop', async () => {
    let third: CallContext | undefined;
    const mesh = clients();
    const c = await serve(inventory({ getStock: async (_req, ctx) => ((third = ctx), { stock: { sku: 'CCC' } }) }));
    const toC = mesh.createClient(InventoryServiceDefinition, c, { defaultTimeoutMs: 60_000 });
    const b = await serve(inventory({ getStock: async (req) => toC.getStock(req) }));
    const toB = mesh.createClient(InventoryServiceDefinition, b, { defaultTimeoutMs: 60_000 });
    const a = await serve(inventory({ getStock: async (req) => toB.getStock(req) }));
    const toA = mesh.createClient(InventoryServiceDefinition, a, { defaultTimeoutMs: 60_000 });
    const deadline = new Date(Date.now() + 3_000);
    await expect(toA.getStock({ sku: 'XXX' }, { deadline })).resolves.toMatchObject({ stock: { sku: 'CCC' } });
    // grpc-timeout travels in whole milliseconds (or coarser), so allow a little rounding.
    expect(Math.abs(third!.deadline - deadline.getTime())).toBeLessThan(50);
  });

  it('passes the request id and the end user\'s token along, and identifies the calling service', async () => {
    let seen: CallContext | undefined;
    const mesh = clients('orders');
    const inner = await serve(inventory({ reserveStock: async (_r, ctx) => ((seen = ctx), { reservation: { reservationId: 'ok' } }) }));
    const toInner = mesh.createClient(InventoryServiceDefinition, inner);
    const outer = await serve(
      inventory({ getStock: async () => (await toInner.reserveStock({ reservationId: 'r', orderId: 'o', items: [{ sku: 'AAA', quantity: 1n }] }), { stock: { sku: 'DONE' } }) }),
    );
    const token = await auth.userToken({ userId: 'user-7' });
    const direct = createMeshClients();
    closers.push(() => direct.close());
    const toOuter = direct.createClient(InventoryServiceDefinition, outer);
    await toOuter.getStock({ sku: 'XXX' }, { metadata: { authorization: `Bearer ${token}`, 'x-request-id': 'rid-42' } });
    expect(seen?.requestId).toBe('rid-42');
    expect(seen?.user?.userId).toBe('user-7');
    expect(seen?.caller?.service).toBe('orders');
  });

  it('retries a safe method on UNAVAILABLE', async () => {
    let attempts = 0;
    const address = await serve(
      inventory({
        getStock: async () => {
          attempts += 1;
          if (attempts < 3) throw unavailable('UNSPECIFIED', 'try again');
          return { stock: { sku: 'THIRD-TIME' } };
        },
      }),
    );
    const client = clients().createClient(InventoryServiceDefinition, address);
    await expect(client.getStock({ sku: 'XXX' })).resolves.toMatchObject({ stock: { sku: 'THIRD-TIME' } });
    expect(attempts).toBe(3);
  });

  it('never retries INVALID_ARGUMENT', async () => {
    let attempts = 0;
    const address = await serve(
      inventory({
        getStock: async () => {
          attempts += 1;
          throw invalidArgument([{ field: 'sku', description: 'bad' }]);
        },
      }),
    );
    const client = clients().createClient(InventoryServiceDefinition, address);
    const err = (await client.getStock({ sku: 'XXX' }).catch((e: unknown) => e)) as ShopError;
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(attempts).toBe(1);
  });

  it('does not retry a method the contract does not mark safe, even on UNAVAILABLE', async () => {
    let attempts = 0;
    const address = await serve(
      inventory({
        adjustStock: async () => {
          attempts += 1;
          throw unavailable('UNSPECIFIED', 'down');
        },
      }),
    );
    const admin = await auth.userToken({ userId: 'a', roles: ['admin'] });
    const client = clients().createClient(InventoryServiceDefinition, address);
    const err = (await client.adjustStock({ sku: 'XXX', delta: 1n }, { metadata: { authorization: `Bearer ${admin}` } }).catch((e: unknown) => e)) as ShopError;
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(attempts).toBe(1);
  });
});
