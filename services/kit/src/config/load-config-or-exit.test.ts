import { z } from 'zod';
import { EX_CONFIG, loadConfigOrExit } from './load-config-or-exit';

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function harness(env: Record<string, string>) {
  const written: string[] = [];
  const options = {
    service: 'orders',
    env,
    write: (text: string) => void written.push(text),
    exit: (code: number): never => {
      throw new Exited(code);
    },
  };
  return { written, options };
}

const schema = z.object({
  GRPC_PORT: z.coerce.number().int().max(65535),
  REDIS_URL: z.url(),
  SIGNING_KEY: z.string().min(10),
  SESSION_SECRET: z.string().min(10),
  ADMIN_PASSWORD: z.string().min(10),
  LOG_LEVEL: z.enum(['info', 'debug']),
  REGION: z.string(),
});

describe('loadConfigOrExit', () => {
  it('returns the config when it is valid and neither writes nor exits', () => {
    const { written, options } = harness({ GRPC_PORT: '1', REDIS_URL: 'redis://r', SIGNING_KEY: 'k'.repeat(10), SESSION_SECRET: 's'.repeat(10), ADMIN_PASSWORD: 'p'.repeat(10), LOG_LEVEL: 'info', REGION: 'eu' });
    expect(loadConfigOrExit(schema, options).GRPC_PORT).toBe(1);
    expect(written).toEqual([]);
  });

  it('writes one message naming every bad variable and exits with EX_CONFIG', () => {
    const { written, options } = harness({ GRPC_PORT: '99999', REDIS_URL: 'redis://:pw@r:6379', SIGNING_KEY: 'k', SESSION_SECRET: 'shh', ADMIN_PASSWORD: 'pw', LOG_LEVEL: 'loud' });
    expect(() => loadConfigOrExit(schema, options)).toThrow(new Exited(EX_CONFIG));
    expect(EX_CONFIG).toBe(78);
    expect(written).toHaveLength(1);
    const [message] = written;
    expect(message).toMatch(/^orders: invalid configuration, 6 problems:\n/);
    expect(message).toContain('GRPC_PORT: Too big: expected number to be <=65535 (received "99999")');
    expect(message).toContain('LOG_LEVEL: Invalid option: expected one of "info"|"debug" (received "loud")');
    expect(message).toContain('REGION: is required but not set');
    for (const name of ['SIGNING_KEY', 'SESSION_SECRET', 'ADMIN_PASSWORD']) expect(message).toContain(`${name}: `);
    expect(message.endsWith('\n')).toBe(true);
  });

  it('never prints the value of a variable named like a secret or a URL', () => {
    const { written, options } = harness({ GRPC_PORT: '1', REDIS_URL: 'not-a-url-pw1', SIGNING_KEY: 'pw2', SESSION_SECRET: 'pw3', ADMIN_PASSWORD: 'pw4', LOG_LEVEL: 'info', REGION: 'eu' });
    expect(() => loadConfigOrExit(schema, options)).toThrow(Exited);
    expect(written[0]).not.toMatch(/pw\d/);
    expect(written[0].match(/\(received \[masked\]\)/g)).toHaveLength(4);
  });

  it('rethrows errors that are not about configuration', () => {
    const broken = z.object({ A: z.string().transform(() => {
      throw new RangeError('bug');
    }) });
    const { written, options } = harness({ A: 'x' });
    expect(() => loadConfigOrExit(broken, options)).toThrow(RangeError);
    expect(written).toEqual([]);
  });
});
