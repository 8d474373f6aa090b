import { z } from 'zod';
import { catalogEnv } from './config';

describe('the catalog configuration', () => {
  const schema = z.object(catalogEnv);

  it('defaults to the published page token key and the shared exchange', () => {
    expect(schema.parse({})).toEqual({ PAGE_TOKEN_SECRET: 'shopmesh-catalog-page-token-v1', EVENTS_EXCHANGE: 'shop.events' });
  });

  it('takes another exchange, so a test run can publish to its own, and refuses an empty one or a short key', () => {
    expect(schema.parse({ EVENTS_EXCHANGE: 'shop.events.e2e-1' }).EVENTS_EXCHANGE).toBe('shop.events.e2e-1');
    expect(schema.safeParse({ EVENTS_EXCHANGE: '' }).success).toBe(false);
    expect(schema.safeParse({ PAGE_TOKEN_SECRET: 'short' }).success).toBe(false);
  });
});
