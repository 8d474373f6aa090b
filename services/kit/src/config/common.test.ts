import { z } from 'zod';
import { loadConfig } from './load-config';
import { commonConfigSchema, commonEnv, envBoolean } from './common';

describe('commonEnv', () => {
  it('gives every variable a safe default when the environment is empty', () => {
    expect(loadConfig(commonConfigSchema, {})).toEqual({
      LOG_LEVEL: 'info',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: 0,
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: 0,
      DATA_DIR: './data',
      OTEL_TRACES_SAMPLER_ARG: 0.1,
      SHUTDOWN_GRACE_MS: 10000,
      USERS_ADDRESS: '127.0.0.1:50051',
      DRAIN_DELAY_MS: 0,
      MAX_IN_FLIGHT: 1000,
      DEFAULT_DEADLINE_MS: 10000,
      SERVICE_KEYS_DIR: './data/keys',
      AUTH_ISSUER: 'shop-users',
      AUTH_AUDIENCE: 'shop',
    });
  });

  it('spreads into a service schema next to its own variables', () => {
    const schema = z.object({ ...commonEnv, PAYMENT_PROVIDER: z.enum(['fake', 'stripe']) });
    const config = loadConfig(schema, { PAYMENT_PROVIDER: 'fake', GRPC_PORT: '50055', METRICS_PORT: '-1' });
    expect(config).toMatchObject({ PAYMENT_PROVIDER: 'fake', GRPC_PORT: 50055, METRICS_PORT: -1 });
  });

  it('accepts connection URLs only with their own schemes', () => {
    const ok = { DATABASE_URL: 'postgres://u:p@db:5432/orders', AMQP_URL: 'amqps://mq', REDIS_URL: 'redis://cache:6379', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadConfig(commonConfigSchema, ok)).toMatchObject(ok);
    expect(() => loadConfig(commonConfigSchema, { DATABASE_URL: 'mysql://db/x' })).toThrow(/DATABASE_URL: must be a URL starting with postgres:\/\/ or postgresql:\/\//);
    expect(() => loadConfig(commonConfigSchema, { REDIS_URL: 'cache:6379' })).toThrow(/REDIS_URL/);
  });

  it('rejects ports out of range, fractional ports and a sampler ratio above 1', () => {
    expect(() => loadConfig(commonConfigSchema, { GRPC_PORT: '65536' })).toThrow(/GRPC_PORT/);
    expect(() => loadConfig(commonConfigSchema, { GRPC_PORT: '80.5' })).toThrow(/GRPC_PORT/);
    expect(() => loadConfig(commonConfigSchema, { METRICS_PORT: '-2' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig(commonConfigSchema, { OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
    expect(() => loadConfig(commonConfigSchema, { LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig(commonConfigSchema, { MAX_IN_FLIGHT: 'many' })).toThrow('MAX_IN_FLIGHT: must be a number (received "many")');
  });
});

describe('envBoolean', () => {
  const schema = z.object({ FLAG: envBoolean().default(false) });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('reads %s as %s', (text, expected) => {
    expect(loadConfig(schema, { FLAG: text }).FLAG).toBe(expected);
  });

  it('rejects other spellings rather than guessing', () => {
    for (const text of ['yes', 'TRUE', 'on', '2']) expect(() => loadConfig(schema, { FLAG: text })).toThrow(/FLAG: must be one of true, false, 1, 0/);
  });
});
