/** MeshProcess is one process that `npm start` runs. */
export interface MeshProcess {
  name: string;
  /** app names its bundle (scripts/bundle.js APPS). */
  app: string;
  entry: string;
  /** database is the one it owns on the embedded PostgreSQL server, if any. */
  database?: string;
  env: Record<string, string>;
  describe: string;
}

/** GRPC_PORTS are the services' fixed local ports, the ones @shop/sdk's DEFAULT_ADDRESSES use. */
const GRPC_PORTS = { users: 50051, catalog: 50052, inventory: 50053, orders: 50054, payments: 50055, shipping: 50056 } as const;

/**
 * meshAt lists the processes of the whole system on one machine, with
 * every port moved by offset (SHOPMESH_PORT_OFFSET: a second mesh beside
 * the first, as the crash test runs one) and each process told where the
 * others are.
 */
export function meshAt(offset: number): MeshProcess[] {
  const port = (base: number) => String(base + offset);
  const addresses = Object.fromEntries(Object.entries(GRPC_PORTS).map(([name, p]) => [`${name.toUpperCase()}_ADDRESS`, `127.0.0.1:${port(p)}`]));
  const simulator = `http://127.0.0.1:${port(8090)}`;
  const service = (name: keyof typeof GRPC_PORTS, metrics: number): MeshProcess => ({
    name,
    app: name,
    entry: `services/${name}/src/main.ts`,
    database: name,
    env: { ...addresses, PAYMENT_PROVIDER_URL: simulator, GRPC_PORT: port(GRPC_PORTS[name]), METRICS_PORT: port(metrics) },
    describe: `grpc://127.0.0.1:${port(GRPC_PORTS[name])}  metrics http://127.0.0.1:${port(metrics)}/metrics`,
  });
  return [
    service('users', 9451),
    service('catalog', 9452),
    service('inventory', 9453),
    service('orders', 9454),
    {
      name: 'paysim',
      app: 'payment-simulator',
      entry: 'services/payments/src/simulator/simulator-main.ts',
      env: { SIMULATOR_PORT: port(8090) },
      describe: `${simulator}  (simulated payment provider; test tokens in services/payments/README.md)`,
    },
    service('payments', 9455),
    service('shipping', 9456),
    {
      name: 'gateway',
      app: 'gateway',
      entry: 'gateway/src/main.ts',
      env: { ...addresses, HTTP_PORT: port(8080) },
      describe: `http://127.0.0.1:${port(8080)}  (REST, /docs, /openapi.json)`,
    },
  ];
}

/** MESH is the mesh on its standard ports. */
export const MESH: MeshProcess[] = meshAt(0);
