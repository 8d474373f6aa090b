import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { backends, TEST_DATABASE_URL } from '@shop/kit/testing/start-test-service';
import { startMesh, type Mesh } from '../support/mesh';
import { bin } from '../support/repo';

const exec = promisify(execFile);

/** bufCurl calls a running service the way the README shows. */
async function bufCurl(address: string, path: string, body?: unknown, token?: string): Promise<any> {
  const args = ['curl', '--protocol', 'grpc', '--http2-prior-knowledge'];
  if (token) args.push('-H', `authorization: Bearer ${token}`);
  if (body !== undefined) args.push('-d', JSON.stringify(body));
  args.push(`http://${address}${path}`);
  const { stdout } = await exec(bin('buf'), args);
  return stdout.trim() ? JSON.parse(stdout) : {};
}

describe.each(backends())('a newcomer on a fresh clone (%s)', (backend) => {
  let mesh: Mesh;
  beforeAll(async () => {
    mesh = await startMesh(['users', 'catalog', 'inventory'], { databaseUrl: backend === 'postgres' ? TEST_DATABASE_URL : undefined });
  }, 180_000);
  afterAll(async () => {
    await mesh?.stop();
  });

  it.each([
    ['users', ['shop.users.v1.AuthService', 'shop.users.v1.UserService']],
    ['catalog', ['shop.catalog.v1.CatalogService']],
    ['inventory', ['shop.inventory.v1.InventoryService']],
  ] as const)('finds %s listed by buf curl with health and reflection', async (name, services) => {
    const { stdout } = await exec(bin('buf'), ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--list-services', `http://${mesh.address(name)}`]);
    expect(stdout.trim().split('\n')).toEqual(
      expect.arrayContaining([...services, 'grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection']),
    );
    await expect(bufCurl(mesh.address(name), '/grpc.health.v1.Health/Check', {})).resolves.toEqual({ status: 'SERVING' });
  });

  it('registers, logs in and lists products with buf curl', async () => {
    const email = `newcomer-${Date.now()}@example.com`;
    const registered = await bufCurl(mesh.address('users'), '/shop.users.v1.UserService/Register', {
      email,
      password: 'a-long-password-1',
      displayName: 'Newcomer',
    });
    expect(registered.user.email).toBe(email);
    const login = await bufCurl(mesh.address('users'), '/shop.users.v1.AuthService/Login', { email, password: 'a-long-password-1' });
    const token: string = login.tokens.accessToken;
    expect(token.split('.')).toHaveLength(3);
    const me = await bufCurl(mesh.address('users'), '/shop.users.v1.UserService/GetCurrentUser', {}, token);
    expect(me.user.email).toBe(email);
    const page = await bufCurl(mesh.address('catalog'), '/shop.catalog.v1.CatalogService/ListProducts', { pageSize: 20 });
    expect(page.products).toHaveLength(12);
    const stock = await bufCurl(mesh.address('inventory'), '/shop.inventory.v1.InventoryService/GetStock', { sku: 'MUG-001' });
    expect(stock.stock).toMatchObject({ sku: 'MUG-001', onHand: '120' });
  });

  it('lets the demo admin manage the catalog through another service', async () => {
    const login = await bufCurl(mesh.address('users'), '/shop.users.v1.AuthService/Login', {
      email: 'admin@shop.example',
      password: 'admin-password-1',
    });
    const token: string = login.tokens.accessToken;
    // catalog verifies the token against the users service's published keys.
    const created = await bufCurl(
      mesh.address('catalog'),
      '/shop.catalog.v1.CatalogService/CreateProduct',
      { product: { sku: `E2E-${Date.now()}`, name: 'E2E', price: { currencyCode: 'EUR', amountMinor: '100' } } },
      token,
    );
    expect(created.product.version).toBe('1');
    const set = await bufCurl(mesh.address('inventory'), '/shop.inventory.v1.InventoryService/SetStock', { sku: created.product.sku, onHand: '3' }, token);
    expect(set.stock.onHand).toBe('3');
  });

  it('stops a service cleanly on SIGTERM with exit code 0', async () => {
    await expect(mesh.kill('inventory', 'SIGTERM')).resolves.toBe(0);
  });
});
