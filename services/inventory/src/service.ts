import path from 'node:path';
import { register, type ServiceSpec } from '@shop/kit';
import { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { inventoryEnv } from './config';
import { createInventoryHandlers } from './handlers/inventory-handlers';
import { expireDueReservations } from './operations/expire-reservations';
import { createLowStockWatch } from './operations/low-stock';
import { seedDemoStock } from './seed';
import { startSweeper } from './sweeper';

/**
 * inventoryService is the composition root of the inventory service: stock
 * per SKU, reservations for orders and the expiry sweeper. Only the orders
 * service may call the reservation RPCs.
 */
export const inventoryService: ServiceSpec<typeof inventoryEnv> = {
  name: 'inventory',
  env: inventoryEnv,
  migrationsDir: path.join(__dirname, '..', 'migrations'),
  internalCallers: {
    ReserveStock: ['orders'],
    CommitReservation: ['orders'],
    ReleaseReservation: ['orders'],
    ReturnReservation: ['orders'],
    GetReservation: ['orders'],
  },
  async build({ config, log, db }) {
    if (config.DEMO_DATA) {
      const seeded = await seedDemoStock(db, config.DEMO_DATA);
      if (seeded > 0) log.info({ skus: seeded, file: config.DEMO_DATA }, 'demo stock loaded');
    }
    const deps = { db, lowStock: createLowStockWatch(config.LOW_STOCK_THRESHOLD), defaultTtlMs: config.RESERVATION_TTL };
    const stopSweeper = startSweeper({
      intervalMs: config.RESERVATION_SWEEP_INTERVAL,
      sweep: () => expireDueReservations(db, { batchSize: config.RESERVATION_SWEEP_BATCH }),
      log,
    });
    return {
      services: [register(InventoryServiceDefinition, createInventoryHandlers(deps))],
      stop: [stopSweeper],
    };
  },
};
