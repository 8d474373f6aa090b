/** MeshProcess is one process that `npm start` runs. */
export interface MeshProcess {
  name: string;
  entry: string;
  env: Record<string, string>;
  describe: string;
}

/**
 * MESH lists the processes of the whole system on one machine, with the
 * fixed ports that @shop/sdk's DEFAULT_ADDRESSES also use.
 */
export const MESH: MeshProcess[] = [
  { name: 'users', entry: 'services/users/src/main.ts', env: { GRPC_PORT: '50051', METRICS_PORT: '9451' }, describe: 'grpc://127.0.0.1:50051  metrics http://127.0.0.1:9451/metrics' },
  { name: 'catalog', entry: 'services/catalog/src/main.ts', env: { GRPC_PORT: '50052', METRICS_PORT: '9452' }, describe: 'grpc://127.0.0.1:50052  metrics http://127.0.0.1:9452/metrics' },
  { name: 'inventory', entry: 'services/inventory/src/main.ts', env: { GRPC_PORT: '50053', METRICS_PORT: '9453' }, describe: 'grpc://127.0.0.1:50053  metrics http://127.0.0.1:9453/metrics' },
  { name: 'orders', entry: 'services/orders/src/main.ts', env: { GRPC_PORT: '50054', METRICS_PORT: '9454' }, describe: 'grpc://127.0.0.1:50054  metrics http://127.0.0.1:9454/metrics' },
  { name: 'paysim', entry: 'services/payments/src/simulator/simulator-main.ts', env: { SIMULATOR_PORT: '8090' }, describe: 'http://127.0.0.1:8090  (simulated payment provider; test tokens in services/payments/README.md)' },
  { name: 'payments', entry: 'services/payments/src/main.ts', env: { GRPC_PORT: '50055', METRICS_PORT: '9455' }, describe: 'grpc://127.0.0.1:50055  metrics http://127.0.0.1:9455/metrics' },
  { name: 'shipping', entry: 'services/shipping/src/main.ts', env: { GRPC_PORT: '50056', METRICS_PORT: '9456' }, describe: 'grpc://127.0.0.1:50056  metrics http://127.0.0.1:9456/metrics' },
  { name: 'gateway', entry: 'gateway/src/main.ts', env: { HTTP_PORT: '8080' }, describe: 'http://127.0.0.1:8080  (REST, /docs, /openapi.json)' },
];
