import { z } from 'zod';

/**
 * catalogEnv is the catalog's own configuration, added to the kit's common
 * one (GRPC_PORT, DATABASE_URL, DATA_DIR, ...).
 */
export const catalogEnv = {
  /** DEMO_DATA is the path of a demo data file (demo/shop.json) whose products are loaded into an empty catalog at start-up. */
  DEMO_DATA: z.string().min(1).optional(),
  /**
   * PAGE_TOKEN_SECRET keys the HMAC that ListProducts page tokens carry, so an
   * edited token is refused. Every replica must share it. Unset, each
   * installation generates its own and keeps it in its database
   * (the kit's installationSecret), so no two installations share a key.
   */
  PAGE_TOKEN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** EVENTS_EXCHANGE is the RabbitMQ topic exchange this service publishes its events to (with AMQP_URL). */
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
};
