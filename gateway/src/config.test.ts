import { ConfigError, loadConfig } from '@shop/kit';
import { backendsFromConfig, gatewayConfigSchema } from './config';

describe('gateway configuration', () => {
  it('has a safe default for everything', () => {
    const config = loadConfig(gatewayConfigSchema, {});
    expect(config).toMatchObject({
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: 8080,
      USERS_ADDRESS: ['127.0.0.1:50051'],
      ORDERS_ADDRESS: ['127.0.0.1:50054'],
      REQUEST_TIMEOUT_MS: 10_000,
      MAX_BODY_BYTES: 1_048_576,
      RATE_LIMIT_IP_PER_SEC: 50,
      CORS_ORIGINS: [],
      UPSTREAM_TRANSPORT: 'lean',
    });
  });

  it('reads several replicas and CORS origins as lists', () => {
    const config = loadConfig(gatewayConfigSchema, { CATALOG_ADDRESS: 'catalog-0:50052, catalog-1:50052', CORS_ORIGINS: 'https://shop.example,http://localhost:3000' });
    expect(config.CATALOG_ADDRESS).toEqual(['catalog-0:50052', 'catalog-1:50052']);
    expect(config.CORS_ORIGINS).toEqual(['https://shop.example', 'http://localhost:3000']);
  });

  it('reports every bad variable at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(gatewayConfigSchema, { CATALOG_ADDRESS: 'catalog', CORS_ORIGINS: 'shop.example', UPSTREAM_TRANSPORT: 'grpc-js', HTTP_PORT: '70000' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems.map((p) => p.variable).sort()).toEqual(['CATALOG_ADDRESS', 'CORS_ORIGINS', 'HTTP_PORT', 'UPSTREAM_TRANSPORT']);
  });

  it('checks the default timeout against its bound', () => {
    expect(() => loadConfig(gatewayConfigSchema, { REQUEST_TIMEOUT_MS: '60000' })).toThrow(/REQUEST_TIMEOUT_MS: must not exceed MAX_REQUEST_TIMEOUT_MS \(30000\)/);
  });

  it('maps each service of the contract to its address variable', () => {
    const backends = backendsFromConfig(loadConfig(gatewayConfigSchema, { USERS_ADDRESS: 'users:1' }));
    expect(backends('shop.users.v1.AuthService')).toEqual(['users:1']);
    expect(backends('shop.users.v1.UserService')).toEqual(['users:1']);
    expect(backends('shop.shipping.v1.ShippingService')).toEqual(['127.0.0.1:50056']);
    expect(backends('acme.things.v1.ThingService')).toBeUndefined();
  });
});
