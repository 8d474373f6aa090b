import { Client, credentials, Metadata, status as Code, type StatusObject } from '@grpc/grpc-js';
import { GetStockRequest, GetStockResponse } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { checkHealth } from '../testing/health-client';
import { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { ShopError } from '@shop/sdk/lib/errors';
import { createPromiseClient } from '@shop/sdk/lib/promise-client';
import { createServer, type ShopServer } from './create-server';
import type { ServiceImplementation } from './definition';
import { invalidArgument } from '../errors/domain-error';
import { createTestAuth, type TestAuth } from '../testing/test-auth';
import { captureLogger } from '../testing/capture-logger';
import type { CallContext } from '../context/call-context';
import { SERVICE_TOKEN_HEADER } from './middleware/auth';
import { connect } from 'node:net';

/** h2Frame writes one HTTP/2 frame. */
function h2Frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/** hpackInt writes an HPACK integer (RFC 7541 5.1) with an n-bit prefix after the given first-byte bits. */
function hpackInt(value: number, prefixBits: number, firstByte: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByte | value]);
  const bytes = [firstByte | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** literal writes a field as a literal without indexing, new name, no Huffman coding (RFC 7541 6.2.2). */
function literal(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0]), hpackInt(name.length, 7, 0), Buffer.from(name), hpackInt(Buffer.byteLength(value), 7, 0), Buffer.from(value)]);
}

/** oversizedRequestHeaders is a GetStock request whose one metadata field is 70,000 bytes. */
function oversizedRequestHeaders(): Buffer {
  return Buffer.concat([
    literal(':method', 'POST'),
    literal(':scheme', 'http'),
    literal(':path', '/shop.inventory.v1.InventoryService/GetStock'),
    literal(':authority', 'localhost'),
    literal('content-type', 'application/grpc'),
    literal('te', 'trailers'),
    literal('x-big', 'a'.repeat(70_000)),
  ]);
}

/** goawayCodes lists the error codes of the GOAWAY frames in what a server sent. */
function goawayCodes(bytes: Buffer): number[] {
  const codes: number[] = [];
  for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) {
    if (bytes[at + 3] === 7) codes.push(bytes.readUInt32BE(at + 9 + 4));
  }
  return codes;
}

/** headerBlock splits a header block into HEADERS and CONTINUATION frames of at most 16 KiB. */
function headerBlock(streamId: number, block: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = 0; at < block.length; at += 16_384) {
    const last = at + 16_384 >= block.length;
    frames.push(h2Frame(at === 0 ? 1 : 9, last ? 0x4 : 0, streamId, block.subarray(at, at + 16_384)));
  }
  return frames;
}

type Inventory = ServiceImplementation<typeof InventoryServiceDefinition>;

const unimplemented = async (): Promise<never> => {
  throw new Error('not used by this test');
};

/** inventory builds an implementation whose getStock the test controls. */
function inventory(getStock: Inventory['getStock'], reserveStock: Inventory['reserveStock'] = unimplemented): Inventory {
  return {
    getStock,
    reserveStock,
    batchGetStock: unimplemented,
    setStock: async (req) => ({ stock: { sku: req.sku, onHand: req.onHand } }),
    adjustStock: unimplemented,
    commitReservation: unimplemented,
    releaseReservation: unimplemented,
    getReservation: unimplemented,
    returnReservation: unimplemented,
  };
}

describe('a server built by createServer', () => {
  let auth: TestAuth;
  const servers: ShopServer[] = [];
  beforeAll(async () => {
    auth = await createTestAuth();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.shutdown({ graceMs: 100 })));
  });
  afterAll(() => auth.cleanup());

  async function start(impl: Inventory, options: { maxInFlight?: number; defaultDeadlineMs?: number } = {}) {
    const { log, lines } = captureLogger();
    const server = createServer({ log, service: 'inventory', auth: auth.authenticators, internalCallers: { ReserveStock: ['orders'] }, ...options });
    server.addService(InventoryServiceDefinition, impl);
    const port = await server.listen('127.0.0.1', 0);
    servers.push(server);
    const client = createPromiseClient(InventoryServiceDefinition, `127.0.0.1:${port}`, credentials.createInsecure(), {
      defaultDeadlineMs: 5_000,
    });
    return { server, port, client, lines, address: `127.0.0.1:${port}` };
  }

  it('answers a public call and logs one line with method, code, duration and request id', async () => {
    const { client, lines } = await start(inventory(async (req) => ({ stock: { sku: req.sku, onHand: 5n, available: 5n } })));
    const res = await client.getStock({ sku: 'MUG-1' }, { metadata: { 'x-request-id': 'req-123' } });
    expect(res.stock).toMatchObject({ sku: 'MUG-1', onHand: 5n });
    const line = lines.find((l) => l.msg === 'call');
    expect(line).toMatchObject({ method: '/shop.inventory.v1.InventoryService/GetStock', code: 'OK', request_id: 'req-123' });
    expect(typeof line?.duration_ms).toBe('number');
  });

  it('returns the request id in the trailers of a successful call, the caller\'s or a new one', async () => {
    const { address } = await start(inventory(async (req) => ({ stock: { sku: req.sku } })));
    const raw = new Client(address, credentials.createInsecure());
    const statusOf = (metadata: Metadata) =>
      new Promise<StatusObject>((resolve) => {
        const call = raw.makeUnaryRequest(
          '/shop.inventory.v1.InventoryService/GetStock',
          (r: GetStockRequest) => Buffer.from(GetStockRequest.encode(r).finish()),
          (b: Buffer) => GetStockResponse.decode(b),
          { sku: 'MUG-1' },
          metadata,
          () => undefined,
        );
        call.on('status', resolve);
      });
    try {
      const given = new Metadata();
      given.set('x-request-id', 'req-trailer-1');
      const first = await statusOf(given);
      expect(first.code).toBe(Code.OK);
      expect(first.metadata.get('x-request-id')).toEqual(['req-trailer-1']);
      const made = await statusOf(new Metadata());
      expect(made.code).toBe(Code.OK);
      expect(made.metadata.get('x-request-id')[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    } finally {
      raw.close();
    }
  });

  it('turns an unknown error into INTERNAL with a generic message and logs the cause', async () => {
    const { client, lines } = await start(
      inventory(async () => {
        throw new Error('connection string postgres://secret@db leaked');
      }),
    );
    const err = await client.getStock({ sku: 'XXX' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShopError);
    expect((err as ShopError).code).toBe(Code.INTERNAL);
    expect((err as ShopError).details).toBe('internal error');
    expect((err as ShopError).errorDetails.requestInfo?.requestId).toMatch(/./);
    const line = lines.find((l) => l.msg === 'call failed');
    expect(JSON.stringify(line)).toContain('leaked');
  });

  it('sends field violations as google.rpc.BadRequest', async () => {
    const { client } = await start(
      inventory(async () => {
        throw invalidArgument([{ field: 'sku', description: 'must be 3 to 64 characters' }]);
      }),
    );
    const err = (await client.getStock({ sku: 'XXX' }).catch((e: unknown) => e)) as ShopError;
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.reason).toBe('VALIDATION_FAILED');
    expect(err.errorDetails.badRequest?.fieldViolations).toEqual([
      expect.objectContaining({ field: 'sku', description: 'must be 3 to 64 characters' }),
    ]);
  });

  it('rejects calls beyond the in-flight bound at once with RESOURCE_EXHAUSTED', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { client } = await start(
      inventory(async (req) => {
        await gate;
        return { stock: { sku: req.sku } };
      }),
      { maxInFlight: 2 },
    );
    const first = [client.getStock({ sku: 'AAA' }), client.getStock({ sku: 'BBB' })];
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const third = (await client.getStock({ sku: 'CCC' }).catch((e: unknown) => e)) as ShopError;
    expect(third.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(third.errorDetails.retryInfo).toBeDefined();
    expect(Date.now() - started).toBeLessThan(1000);
    release();
    await expect(Promise.all(first)).resolves.toHaveLength(2);
  });

  describe('contract rules (buf.validate)', () => {
    it('refuses a request that breaks them with INVALID_ARGUMENT naming the field, before the handler runs', async () => {
      let ran = 0;
      const impl: Inventory = {
        ...inventory(unimplemented),
        adjustStock: async (req) => {
          ran += 1;
          return { stock: { sku: req.sku } };
        },
      };
      const { client } = await start(impl);
      const admin = { authorization: `Bearer ${await auth.userToken({ userId: 'u-admin', roles: ['admin', 'customer'] })}` };
      const refused = (await client.adjustStock({ sku: 'MUG-1', delta: 1n, reason: 'recount\u0000' }, { metadata: admin }).catch((e: unknown) => e)) as ShopError;
      expect(refused).toBeInstanceOf(ShopError);
      expect(refused.code).toBe(Code.INVALID_ARGUMENT);
      expect(refused.reason).toBe('VALIDATION_FAILED');
      expect(refused.errorDetails.badRequest?.fieldViolations).toEqual([expect.objectContaining({ field: 'reason', description: 'must not contain control characters' })]);
      expect(ran).toBe(0);
      await expect(client.adjustStock({ sku: 'MUG-1', delta: 1n, reason: 'recount' }, { metadata: admin })).resolves.toMatchObject({ stock: { sku: 'MUG-1' } });
      expect(ran).toBe(1);
    });
  });

  describe('request metadata', () => {
    it('refuses metadata over 64 KiB with RESOURCE_EXHAUSTED and HEADERS_TOO_LARGE, and serves the connection on', async () => {
      const { client } = await start(inventory(async (req) => ({ stock: { sku: req.sku } })));
      // 20 fields of 5,000 bytes: each small enough for HTTP/2, together 100 kB.
      const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x-big-${i}`, 'a'.repeat(5_000)]));
      const refused = (await client.getStock({ sku: 'MUG-1' }, { metadata: big }).catch((e: unknown) => e)) as ShopError;
      expect(refused).toBeInstanceOf(ShopError);
      expect(refused.code).toBe(Code.RESOURCE_EXHAUSTED);
      expect(refused.reason).toBe('HEADERS_TOO_LARGE');
      expect(refused.message).toMatch(/65536/);
      // Just under the bound passes, and so does the next call on the connection.
      const under = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`x-big-${i}`, 'a'.repeat(5_000)]));
      await expect(client.getStock({ sku: 'MUG-1' }, { metadata: under })).resolves.toMatchObject({ stock: { sku: 'MUG-1' } });
      await expect(client.getStock({ sku: 'MUG-1' })).resolves.toMatchObject({ stock: { sku: 'MUG-1' } });
    });

    it('closes a connection whose header field HTTP/2 cannot decode, so its client fails instead of waiting for its deadline', async () => {
      // One literal field over 64 KiB is a COMPRESSION_ERROR in Node's HTTP/2
      // (nghttp2): it sends GOAWAY but never closes the socket, so the client
      // (gRPC C-core, for one) waits for its deadline and the server keeps
      // the socket in CLOSE_WAIT for good. The server's keepalive ends it.
      const { port } = await start(inventory(async (req) => ({ stock: { sku: req.sku } })));
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), h2Frame(4, 0, 0), ...headerBlock(1, oversizedRequestHeaders())]));
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      const outcome = await Promise.race([closed, new Promise<'open'>((r) => setTimeout(() => r('open'), 20_000))]);
      expect(goawayCodes(Buffer.concat(received))).toEqual([9]); // COMPRESSION_ERROR
      expect(outcome).not.toBe('open');
    }, 30_000);
  });

  it('gives a call without a deadline the default one and ends it with DEADLINE_EXCEEDED', async () => {
    let seen: CallContext | undefined;
    const { server, port } = await start(
      inventory(async (_req, ctx) => {
        seen = ctx;
        await new Promise((r) => setTimeout(r, 2_000));
        return {};
      }),
      { defaultDeadlineMs: 200 },
    );
    expect(server).toBeDefined();
    const noDeadline = createPromiseClient(InventoryServiceDefinition, `127.0.0.1:${port}`, credentials.createInsecure());
    const started = Date.now();
    const err = (await noDeadline.getStock({ sku: 'AAA' }).catch((e: unknown) => e)) as ShopError;
    expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(seen!.deadline - started).toBeLessThanOrEqual(300);
    expect(seen!.signal.aborted).toBe(true);
    noDeadline.close();
  });

  describe('authentication', () => {
    it('requires the admin role for admin RPCs', async () => {
      const { client } = await start(inventory(unimplemented));
      const none = (await client.setStock({ sku: 'AAA', onHand: 1n }).catch((e: unknown) => e)) as ShopError;
      expect(none.code).toBe(Code.UNAUTHENTICATED);
      const customer = await auth.userToken({ userId: 'u1', roles: ['customer'] });
      const denied = (await client
        .setStock({ sku: 'AAA', onHand: 1n }, { metadata: { authorization: `Bearer ${customer}` } })
        .catch((e: unknown) => e)) as ShopError;
      expect(denied.code).toBe(Code.PERMISSION_DENIED);
      const admin = await auth.userToken({ userId: 'u2', roles: ['admin'] });
      await expect(client.setStock({ sku: 'AAA', onHand: 1n }, { metadata: { authorization: `Bearer ${admin}` } })).resolves.toMatchObject({
        stock: { sku: 'AAA', onHand: 1n },
      });
    });

    it('matches the Bearer scheme case-insensitively, as the gateway does (RFC 7235)', async () => {
      const { client } = await start(inventory(unimplemented));
      const admin = await auth.userToken({ userId: 'u2', roles: ['admin'] });
      for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
        await expect(client.setStock({ sku: 'AAA', onHand: 1n }, { metadata: { authorization: `${scheme} ${admin}` } })).resolves.toMatchObject({ stock: { sku: 'AAA' } });
      }
      const err = (await client.setStock({ sku: 'AAA', onHand: 1n }, { metadata: { authorization: `Basic ${admin}` } }).catch((e: unknown) => e)) as ShopError;
      expect(err.code).toBe(Code.UNAUTHENTICATED);
    });

    it.each([
      ['forged (signed by another key)', async () => auth.userToken({ userId: 'u1', key: (await import('jose').then((j) => j.generateKeyPair('EdDSA', { crv: 'Ed25519' }))).privateKey })],
      ['expired', async () => auth.userToken({ userId: 'u1', expiresInSec: -60 })],
      ['from another issuer', async () => auth.userToken({ userId: 'u1', issuer: 'evil' })],
      ['tampered', async () => {
        const [h, p, s] = (await auth.userToken({ userId: 'u1' })).split('.');
        const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
        payload.roles = ['admin'];
        return [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
      }],
      ['alg none', async () => `${Buffer.from('{"alg":"none","kid":"test-key-1"}').toString('base64url')}.${Buffer.from('{"sub":"u1","roles":["admin"]}').toString('base64url')}.`],
    ])('refuses a %s token with UNAUTHENTICATED even on a public RPC', async (_name, token) => {
      const { client } = await start(inventory(async () => ({ stock: {} })));
      const err = (await client.getStock({ sku: 'AAA' }, { metadata: { authorization: `Bearer ${await token()}` } }).catch((e: unknown) => e)) as ShopError;
      expect(err.code).toBe(Code.UNAUTHENTICATED);
    });

    it('refuses an end-user token on an internal RPC with PERMISSION_DENIED', async () => {
      const { client } = await start(inventory(unimplemented, async () => ({ reservation: { reservationId: 'r1' } })));
      const admin = await auth.userToken({ userId: 'u2', roles: ['admin'] });
      const err = (await client
        .reserveStock({ reservationId: 'r1', orderId: 'o1', items: [{ sku: 'AAA', quantity: 1n }] }, { metadata: { authorization: `Bearer ${admin}` } })
        .catch((e: unknown) => e)) as ShopError;
      expect(err.code).toBe(Code.PERMISSION_DENIED);
    });

    it('lets only the allowed services call an internal RPC', async () => {
      const { client } = await start(inventory(unimplemented, async (_req, ctx) => ({ reservation: { reservationId: ctx.caller?.service } })));
      const orders = await auth.identity('orders');
      const res = await client.reserveStock({ reservationId: 'r1', orderId: 'o1', items: [{ sku: 'AAA', quantity: 1n }] }, { metadata: { [SERVICE_TOKEN_HEADER]: await orders.token('inventory') } });
      expect(res.reservation?.reservationId).toBe('orders');
      const catalog = await auth.identity('catalog');
      const err = (await client
        .reserveStock({ reservationId: 'r1', orderId: 'o1', items: [{ sku: 'AAA', quantity: 1n }] }, { metadata: { [SERVICE_TOKEN_HEADER]: await catalog.token('inventory') } })
        .catch((e: unknown) => e)) as ShopError;
      expect(err.code).toBe(Code.PERMISSION_DENIED);
    });

    it('refuses a service token minted for another service, so a callee cannot replay what it received', async () => {
      const { client } = await start(inventory(unimplemented, async (_req, ctx) => ({ reservation: { reservationId: ctx.caller?.service } })));
      const orders = await auth.identity('orders');
      // A token orders sent to payments, replayed by payments (or anyone who saw it) at inventory.
      const forPayments = await orders.token('payments');
      const err = (await client
        .reserveStock({ reservationId: 'r1', orderId: 'o1', items: [{ sku: 'AAA', quantity: 1n }] }, { metadata: { [SERVICE_TOKEN_HEADER]: forPayments } })
        .catch((e: unknown) => e)) as ShopError;
      expect(err.code).toBe(Code.PERMISSION_DENIED);
      expect(err.message).toContain('issued for another service');
      // The same caller with a token for this service gets through.
      const res = await client.reserveStock({ reservationId: 'r1', orderId: 'o1', items: [{ sku: 'AAA', quantity: 1n }] }, { metadata: { [SERVICE_TOKEN_HEADER]: await orders.token('inventory') } });
      expect(res.reservation?.reservationId).toBe('orders');
    });
  });

  describe('health and shutdown', () => {
    it('reports SERVING, then NOT_SERVING while draining', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inHandler = new Promise<void>((r) => (entered = r));
      const { server, address, client } = await start(
        inventory(async (req) => {
          entered();
          await gate;
          return { stock: { sku: req.sku, onHand: 7n } };
        }),
      );
      await expect(checkHealth(address, 'shop.inventory.v1.InventoryService')).resolves.toBe('SERVING');
      const inFlight = client.getStock({ sku: 'SLOW' });
      await inHandler;
      const shutdown = server.shutdown({ graceMs: 5_000, drainDelayMs: 300 });
      await new Promise((r) => setTimeout(r, 100));
      await expect(checkHealth(address)).resolves.toBe('NOT_SERVING');
      await expect(checkHealth(address, 'shop.inventory.v1.InventoryService')).resolves.toBe('NOT_SERVING');
      release();
      // The call that was running when shutdown began still completes.
      await expect(inFlight).resolves.toMatchObject({ stock: { sku: 'SLOW', onHand: 7n } });
      await shutdown;
    });

    it('cancels calls still running when the grace period ends', async () => {
      const { server, client } = await start(inventory(() => new Promise(() => undefined)));
      const hanging = client.getStock({ sku: 'AAA' }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      await server.shutdown({ graceMs: 200 });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(((await hanging) as ShopError).code).toBeDefined();
    });
  });
});
