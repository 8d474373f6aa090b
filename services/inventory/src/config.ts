import { z } from 'zod';
import { envInt, envDuration } from '@shop/kit';

/** MAX_RESERVATION_TTL_MS is the longest a reservation may hold units: one day. */
export const MAX_RESERVATION_TTL_MS = 24 * 3_600_000;

/** inventoryEnv is the inventory service's own configuration, added to the common one. */
export const inventoryEnv = {
  /** RESERVATION_TTL is how long a reservation holds its units when ReserveStock sends no ttl. */
  RESERVATION_TTL: envDuration(1_000, MAX_RESERVATION_TTL_MS).default(15 * 60_000),
  /** RESERVATION_SWEEP_INTERVAL is the pause between two runs of the expiry sweeper. */
  RESERVATION_SWEEP_INTERVAL: envDuration(10, 3_600_000).default(5_000),
  /** RESERVATION_SWEEP_BATCH is how many reservations one sweeper transaction expires at most. */
  RESERVATION_SWEEP_BATCH: envInt(1, 10_000).default(100),
  /** LOW_STOCK_THRESHOLD is the available count at or below which a SKU is low on stock. */
  LOW_STOCK_THRESHOLD: envInt(0).default(5),
  /** DEMO_DATA is the path of demo/shop.json; when set and the stock table is empty, stock is seeded from it. */
  DEMO_DATA: z.string().min(1).optional(),
  /** EVENTS_EXCHANGE is the RabbitMQ topic exchange this service publishes its events to (with AMQP_URL). */
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
};

/** InventoryConfig is the parsed inventoryEnv. */
export type InventoryConfig = z.output<z.ZodObject<typeof inventoryEnv>>;
