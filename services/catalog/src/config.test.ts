import { z } from 'zod';
import { catalogEnv } from './config';

describe('the catalog configuration', () => {
  const schema = z.object(catalogEnv);

  it('has no page token key by default (one is generated per installation) and uses the shared exchange', () => {
    expect(schema.parse({})).toEqual({ EVENTS_EXCHANGE: 'shop.events' });
  });

  it('takes another exchange, so a test run can publish to its own, and refuses an empty one or a short key', () => {
    expect(schema.parse({ EVENTS_EXCHANGE: 'shop.events.e2e-1' }).EVENTS_EXCHANGE).toBe('shop.events.e2e-1');
    expect(schema.safeParse({ EVENTS_EXCHANGE: '' }).success).toBe(false);
    expect(schema.safeParse({ PAGE_TOKEN_SECRET: 'short' }).success).toBe(false);
  });
});
