import { Metadata, Server, ServerCredentials, status, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogServiceService, type GetProductRequest, type GetProductResponse } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { Status as RpcStatus } from '@shop/sdk/ts/google/rpc/status';
import { ErrorInfo, ResourceInfo } from '@shop/sdk/ts/google/rpc/error_details';
import { bin, repoRoot, run } from '../support/repo';

/** startCatalog serves GetProduct the way the real catalog answers: a product, or NOT_FOUND with details. */
async function startCatalog(seenTokens: string[]): Promise<{ server: Server; address: string }> {
  const server = new Server();
  const unimplemented = (_call: unknown, callback: sendUnaryData<never>) => callback({ code: status.UNIMPLEMENTED });
  server.addService(CatalogServiceService, {
    createProduct: unimplemented,
    batchGetProducts: unimplemented,
    listProducts: unimplemented,
    updateProduct: unimplemented,
    deleteProduct: unimplemented,
    getProduct(call: ServerUnaryCall<GetProductRequest, GetProductResponse>, callback: sendUnaryData<GetProductResponse>) {
      seenTokens.push(String(call.metadata.get('authorization')[0]));
      if (call.request.productId !== 'p-1') {
        const trailer = new Metadata();
        const details = RpcStatus.encode({
          code: status.NOT_FOUND,
          message: 'product not found',
          details: [
            { typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(ErrorInfo.encode({ reason: 'NOT_FOUND', domain: 'shop.example', metadata: {} }).finish()) },
            {
              typeUrl: 'type.googleapis.com/google.rpc.ResourceInfo',
              value: Buffer.from(ResourceInfo.encode({ resourceType: 'shop.catalog.v1.Product', resourceName: call.request.productId, owner: '', description: '' }).finish()),
            },
          ],
        }).finish();
        trailer.set('grpc-status-details-bin', Buffer.from(details));
        callback({ code: status.NOT_FOUND, details: 'product not found', metadata: trailer });
        return;
      }
      callback(null, {
        product: {
          id: 'p-1',
          sku: 'MUG-1',
          name: 'Mug',
          description: '',
          price: { currencyCode: 'EUR', amountMinor: 1299n },
          category: 'kitchen',
          imageUrl: '',
          createTime: new Date(),
          updateTime: new Date(),
          version: 1n,
        },
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, address: `127.0.0.1:${port}` };
}

describe('the @shop/sdk package', () => {
  let project: string;
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'shop-sdk-consumer-'));
    const packed = run('npm', ['pack', '--workspace', '@shop/sdk', '--pack-destination', project]);
    if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.output}`);
    const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball:\n${packed.output}`);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const installed = run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`, '@types/node@20'],
      project,
    );
    if (installed.status !== 0) throw new Error(`npm install of the tarball failed:\n${installed.output}`);
    copyFileSync(join(__dirname, 'consumer.ts.txt'), join(project, 'consumer.ts'));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', strict: true, esModuleInterop: true, types: ['node'], outDir: 'out' },
        files: ['consumer.ts'],
      }),
    );
  }, 240_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('installs from its tarball into a project outside the repo with compiled JS and types only', () => {
    const files = readdirSync(join(project, 'node_modules', '@shop', 'sdk'));
    expect(files).toEqual(expect.arrayContaining(['dist', 'descriptor.binpb', 'package.json', 'README.md']));
    expect(files).not.toContain('ts');
    expect(project.startsWith(repoRoot)).toBe(false);
  });

  it('type-checks a program that imports it', () => {
    const result = run(bin('tsc'), ['-p', project]);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('calls a live server with the bearer token and decodes rich errors', async () => {
    const tokens: string[] = [];
    const { server, address } = await startCatalog(tokens);
    try {
      const child = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const { execFile } = require('node:child_process') as typeof import('node:child_process');
        execFile('node', [join(project, 'out', 'consumer.js'), address], { cwd: project, timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
        );
      });
      expect(child.stderr).toBe('');
      expect(child.code).toBe(0);
      const [ok, failure] = child.stdout.trim().split('\n').map((line) => JSON.parse(line));
      expect(ok).toEqual({ name: 'Mug', price: '1299', currency: 'EUR' });
      expect(failure).toEqual({ error: 'NOT_FOUND', reason: 'NOT_FOUND', resource: 'missing' });
      expect(tokens).toEqual(['Bearer consumer-token', 'Bearer consumer-token']);
    } finally {
      server.forceShutdown();
    }
  });

  it('does not keep a program running once its calls are done, even without close()', async () => {
    const { server, address } = await startCatalog([]);
    try {
      // The server stays up, its connection open and idle: only the client's own handles could hold the process.
      const script = `const { createShopClients } = require('@shop/sdk');
        const shop = createShopClients({ addresses: { catalog: process.argv[1] } });
        shop.catalog.getProduct({ productId: 'p-1' }).then(({ product }) => console.log(product.name));`;
      const { execFile } = require('node:child_process') as typeof import('node:child_process');
      const child = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        execFile('node', ['-e', script, address], { cwd: project, timeout: 20_000 }, (err, stdout) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout }));
      });
      // A process held open would be killed at the timeout: code -1, not 0.
      expect(child).toEqual({ code: 0, stdout: 'Mug\n' });
    } finally {
      server.forceShutdown();
    }
  });
});
