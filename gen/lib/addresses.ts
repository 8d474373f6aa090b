/** ServiceName names each shopmesh service an SDK user can call. */
export type ServiceName = 'auth' | 'users' | 'catalog' | 'inventory' | 'orders' | 'payments' | 'shipping';

/**
 * DEFAULT_ADDRESSES are where `npm start` serves each service on one machine.
 * auth and users share the users process.
 */
export const DEFAULT_ADDRESSES: Readonly<Record<ServiceName, string>> = Object.freeze({
  auth: '127.0.0.1:50051',
  users: '127.0.0.1:50051',
  catalog: '127.0.0.1:50052',
  inventory: '127.0.0.1:50053',
  orders: '127.0.0.1:50054',
  payments: '127.0.0.1:50055',
  shipping: '127.0.0.1:50056',
});
