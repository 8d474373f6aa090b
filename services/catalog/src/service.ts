import path from 'node:path';
import { createEvents, EVENT_FEED_CALLERS, installationSecret, register, type ServiceSpec } from '@shop/kit';
import { CatalogServiceDefinition } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { catalogEnv } from './config';
import { createPageTokenCodec } from './domain/page-token';
import { createCatalogHandlers } from './handlers';
import { loadDemoProducts, seedDemoProducts } from './seed';

/**
 * catalogService is the catalog's composition root: it seeds demo data when
 * asked and wires the handlers to the database and the page token codec,
 * and runs the event relay (ProductCreated, ProductUpdated and
 * ProductDeleted go through the outbox, in the transaction of the change).
 */
export const catalogService: ServiceSpec<typeof catalogEnv> = {
  name: 'catalog',
  env: catalogEnv,
  migrationsDir: path.join(__dirname, '..', 'migrations'),
  internalCallers: { ...EVENT_FEED_CALLERS },
  async build({ config, db, log, metrics, clients }) {
    if (config.DEMO_DATA !== undefined) {
      const inserted = await seedDemoProducts(db, await loadDemoProducts(config.DEMO_DATA));
      log.info({ inserted, file: config.DEMO_DATA }, inserted > 0 ? 'demo products loaded' : 'catalog not empty: demo products skipped');
    }
    const pageTokenSecret = config.PAGE_TOKEN_SECRET ?? (await installationSecret(db, 'page-token'));
    const handlers = createCatalogHandlers({ db, pageTokens: createPageTokenCodec(pageTokenSecret) });
    const events = createEvents({ service: 'catalog', db, log, amqpUrl: config.AMQP_URL, clients, metrics, exchange: config.EVENTS_EXCHANGE });
    events.relay.start();
    return { services: [register(CatalogServiceDefinition, handlers), events.feed], stop: [() => events.relay.stop()] };
  },
};
