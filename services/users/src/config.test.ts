import { z } from 'zod';
import { parseDuration, usersEnv } from './config';

describe('parseDuration', () => {
  it('reads seconds, minutes, hours, days and milliseconds', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('12h')).toBe(43_200_000);
    expect(parseDuration('30d')).toBe(2_592_000_000);
    expect(parseDuration('250ms')).toBe(250);
  });

  it('reads a bare number as seconds', () => {
    expect(parseDuration('900')).toBe(900_000);
  });

  it('refuses anything else', () => {
    expect(parseDuration('15 minutes')).toBeUndefined();
    expect(parseDuration('-5s')).toBeUndefined();
    expect(parseDuration('1.5h')).toBeUndefined();
  });
});

describe('the users configuration', () => {
  const schema = z.object(usersEnv);

  it('has the documented defaults', () => {
    expect(schema.parse({})).toMatchObject({
      ACCESS_TOKEN_TTL: 15 * 60_000,
      REFRESH_TOKEN_TTL: 30 * 86_400_000,
      JWT_KEY_ROTATION: 30 * 86_400_000,
      JWT_KEY_ACTIVATION_DELAY: 60_000,
      JWT_KEY_RETIRE_MARGIN: 5 * 60_000,
      PASSWORD_HASH_COST: 15,
      LOGIN_MAX_FAILURES: 5,
      LOGIN_FAILURE_WINDOW: 15 * 60_000,
      LOGIN_BASE_DELAY: 1_000,
      LOGIN_LOCK_DURATION: 15 * 60_000,
      EVENTS_EXCHANGE: 'shop.events',
    });
  });

  it('takes another exchange, so a test run can publish to its own, and refuses an empty one', () => {
    expect(schema.parse({ EVENTS_EXCHANGE: 'shop.events.e2e-1' }).EVENTS_EXCHANGE).toBe('shop.events.e2e-1');
    expect(schema.safeParse({ EVENTS_EXCHANGE: '' }).success).toBe(false);
  });

  it('refuses a malformed duration and a hash cost below 2^10', () => {
    const result = schema.safeParse({ ACCESS_TOKEN_TTL: 'soon', PASSWORD_HASH_COST: '4' });
    expect(result.error?.issues.map((i) => i.path[0])).toEqual(['ACCESS_TOKEN_TTL', 'PASSWORD_HASH_COST']);
  });
});
