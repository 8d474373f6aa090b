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
   * edited token is refused. Every replica must share it. The default is a
   * published constant: it still detects edited and corrupted tokens, and a
   * forged token could only start a public listing at a chosen position.
   */
  PAGE_TOKEN_SECRET: z.string().min(16, 'must be at least 16 characters').default('shopmesh-catalog-page-token-v1'),
  /** EVENTS_EXCHANGE is the RabbitMQ topic exchange this service publishes its events to (with AMQP_URL). */
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
};
