import { z } from 'zod';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  NAME: z.string().min(1),
  DATABASE_URL: z.url().optional(),
  API_TOKEN: z.string().min(32),
});

describe('loadConfig', () => {
  it('returns the parsed variables with defaults applied', () => {
    const config = loadConfig(schema, { NAME: 'orders', API_TOKEN: 'x'.repeat(32) });
    expect(config).toEqual({ PORT: 8080, NAME: 'orders', API_TOKEN: 'x'.repeat(32) });
  });

  it('coerces numbers from the variable text', () => {
    expect(loadConfig(schema, { PORT: '50051', NAME: 'a', API_TOKEN: 'x'.repeat(32) }).PORT).toBe(50051);
  });

  it('returns a frozen object', () => {
    const config = loadConfig(schema, { NAME: 'a', API_TOKEN: 'x'.repeat(32) });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
  });

  it('freezes nested values a transform produced', () => {
    const lists = z.object({ HOSTS: z.string().transform((s) => s.split(',')) });
    const config = loadConfig(lists, { HOSTS: 'a,b' });
    expect(config.HOSTS).toEqual(['a', 'b']);
    expect(Object.isFrozen(config.HOSTS)).toBe(true);
  });

  it('treats an empty variable as unset so the default applies instead of 0', () => {
    expect(loadConfig(schema, { PORT: '', NAME: 'a', API_TOKEN: 'x'.repeat(32) }).PORT).toBe(8080);
    expect(loadConfig(schema, { PORT: '  ', NAME: 'a', API_TOKEN: 'x'.repeat(32) }).PORT).toBe(8080);
  });

  it('leaves variables outside the schema out of the result', () => {
    const config = loadConfig(schema, { NAME: 'a', API_TOKEN: 'x'.repeat(32), HOME: '/root' });
    expect(config).not.toHaveProperty('HOME');
  });

  it('accepts a strict schema although the environment holds many other variables', () => {
    const strict = z.strictObject({ NAME: z.string() });
    expect(loadConfig(strict, { NAME: 'a', PATH: '/bin' })).toEqual({ NAME: 'a' });
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: '70000', DATABASE_URL: 'nope', API_TOKEN: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable).sort()).toEqual(['API_TOKEN', 'DATABASE_URL', 'NAME', 'PORT']);
    expect(problems.find((p) => p.variable === 'PORT')).toMatchObject({ received: '"70000"' });
    expect(problems.find((p) => p.variable === 'NAME')).toEqual({ variable: 'NAME', problem: 'is required but not set' });
  });

  it('masks the values of secret variables, including URLs, in problems and in the message', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(schema, { NAME: 'a', DATABASE_URL: 'postgres://u:hunter2@db:notaport/x', API_TOKEN: 'hunter2' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems.map((p) => p.received)).toEqual(['[masked]', '[masked]']);
    expect(error?.message).not.toContain('hunter2');
  });
});
