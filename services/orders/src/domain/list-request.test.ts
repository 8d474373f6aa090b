import { DomainError } from '@shop/kit';
import { status as Code } from '@grpc/grpc-js';
import { parseListOrders } from './list-request';
import { createPageTokenCodec } from './page-token';

const tokens = createPageTokenCodec('list-request-secret-1');
const customer = { userId: 'ada', admin: false };
const admin = { userId: 'root', admin: true };
const base = { pageSize: 0, pageToken: '', state: undefined, userId: '' };

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return undefined;
}

describe('parseListOrders', () => {
  it('lists a customer\'s own orders and refuses anyone else\'s with PERMISSION_DENIED', () => {
    expect(parseListOrders(base, customer, tokens)).toMatchObject({ userId: 'ada', pageSize: 20 });
    expect(parseListOrders({ ...base, userId: 'ada' }, customer, tokens).userId).toBe('ada');
    expect(codeOf(() => parseListOrders({ ...base, userId: 'bob' }, customer, tokens))).toBe(Code.PERMISSION_DENIED);
  });

  it('lists everyone\'s orders for an admin, or one user\'s with user_id', () => {
    expect(parseListOrders(base, admin, tokens).userId).toBeUndefined();
    expect(parseListOrders({ ...base, userId: 'bob', state: 'FAILED' }, admin, tokens)).toMatchObject({ userId: 'bob', state: 'FAILED' });
  });

  it('defaults the page size to 20 and lowers it to 100', () => {
    expect(parseListOrders(base, customer, tokens).pageSize).toBe(20);
    expect(parseListOrders({ ...base, pageSize: 500 }, customer, tokens).pageSize).toBe(100);
  });

  it('continues a listing from its page token only with the same filters and the same caller', () => {
    const first = parseListOrders({ ...base, state: 'CONFIRMED' }, customer, tokens);
    const pageToken = tokens.encode(42n, first.fingerprint);
    expect(parseListOrders({ ...base, state: 'CONFIRMED', pageToken }, customer, tokens).before).toBe(42n);
    expect(codeOf(() => parseListOrders({ ...base, pageToken }, customer, tokens))).toBe(Code.INVALID_ARGUMENT);
    expect(codeOf(() => parseListOrders({ ...base, state: 'CONFIRMED', pageToken }, { userId: 'bob', admin: false }, tokens))).toBe(Code.INVALID_ARGUMENT);
  });
});
