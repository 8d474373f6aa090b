import type { Database } from '@shop/kit';
import type { PageTokenCodec } from '../domain/page-token';

/** CatalogDeps are what the catalog's handlers need, passed in by the composition root (service.ts). */
export interface CatalogDeps {
  db: Database;
  pageTokens: PageTokenCodec;
}
