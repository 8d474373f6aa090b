import path from 'node:path';
import { createEvents, EVENT_FEED_CALLERS, register, type ServiceSpec } from '@shop/kit';
import { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { inventoryEnv } from './config';
import { createInventoryHandlers } from './handlers/inventory-handlers';
import { expireDueReservations } from './operations/expire-reservations';
import { appendStockLow, createLowStockWatch } from './operations/low-stock';
import { seedDemoStock } from './seed';
import { startSweeper } from './sweeper';

/**
 * inventoryService is the composition root of the inventory service: stock
 * per SKU, reservations for orders, the expiry sweeper and the event relay
 * (StockReserved, StockReleased, StockCommitted and StockLow go through the
 * outbox, in the transaction of the change). Only the orders service may
 * call the reservation RPCs.
 */
export const inventoryService: ServiceSpec<typeof inventoryEnv> = {
  name: 'inventory',
  env: inventoryEnv,
  migrationsDir: path.join(__dirname, '..', 'migrations'),
  internalCallers: {
    ...EVENT_FEED_CALLERS,
    ReserveStock: ['orders'],
    CommitReservation: ['orders'],
    ReleaseReservation: ['orders'],
    ReturnReservation: ['orders'],
    GetReservation: ['orders'],
  },
  async build({ config, log, db, metrics, clients }) {
    if (config.DEMO_DATA) {
      const seeded = await seedDemoStock(db, config.DEMO_DATA);
      if (seeded > 0) log.info({ skus: seeded, file: config.DEMO_DATA }, 'demo stock loaded');
    }
    const events = createEvents({ service: 'inventory', db, log, amqpUrl: config.AMQP_URL, clients, metrics, exchange: config.EVENTS_EXCHANGE });
    const lowStock = createLowStockWatch(config.LOW_STOCK_THRESHOLD, appendStockLow(config.LOW_STOCK_THRESHOLD));
    const deps = { db, lowStock, defaultTtlMs: config.RESERVATION_TTL };
    const stopSweeper = startSweeper({
      intervalMs: config.RESERVATION_SWEEP_INTERVAL,
      sweep: () => expireDueReservations(db, { batchSize: config.RESERVATION_SWEEP_BATCH }),
      log,
    });
    events.relay.start();
    return {
      services: [register(InventoryServiceDefinition, createInventoryHandlers(deps)), events.feed],
      stop: [stopSweeper, () => events.relay.stop()],
    };
  },
};
