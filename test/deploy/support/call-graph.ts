/** SERVICES are the gRPC services of shopmesh; APPS adds the REST gateway. */
export const SERVICES = ['users', 'catalog', 'inventory', 'orders', 'payments', 'shipping'];
export const APPS = [...SERVICES, 'gateway'];

/**
 * CALL_GRAPH is who calls whom, as the services are written: every process
 * verifies tokens with the users service's JWKS; orders drives catalog,
 * inventory and payments in its saga and reads shipping's event feed;
 * shipping reads orders' event feed; the gateway fronts all six. The
 * deploy suites check the Kubernetes NetworkPolicies, the Deployments' and
 * the compose file's *_ADDRESS variables against it.
 */
export const CALL_GRAPH: Record<string, string[]> = {
  users: [],
  catalog: ['users'],
  inventory: ['users'],
  orders: ['users', 'catalog', 'inventory', 'payments', 'shipping'],
  payments: ['users'],
  shipping: ['users', 'orders'],
  gateway: ['users', 'catalog', 'inventory', 'orders', 'payments', 'shipping'],
};

/** EVENT_FEEDS are the calls that go both ways (each reads the other's event feed), so neither may wait for the other to start. */
export const EVENT_FEEDS: Array<[string, string]> = [
  ['orders', 'shipping'],
  ['shipping', 'orders'],
];

/** STATE is what each process needs besides the services: its database, the broker, Redis, the payment provider. */
export const STATE: Record<string, string[]> = {
  users: ['postgres', 'rabbitmq'],
  catalog: ['postgres', 'rabbitmq'],
  inventory: ['postgres', 'rabbitmq'],
  orders: ['postgres', 'rabbitmq'],
  payments: ['postgres', 'rabbitmq', 'payment-provider'],
  shipping: ['postgres', 'rabbitmq'],
  gateway: ['redis'],
};

/** ADDRESS_VARIABLE is the variable that tells a process where a service is. */
export const ADDRESS_VARIABLE: Record<string, string> = Object.fromEntries(SERVICES.map((s) => [s, `${s.toUpperCase()}_ADDRESS`]));
