import { randomBytes } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { backends, createTestAuth, startTestService, type Backend, type TestAuth, type TestService } from '@shop/kit/testing';
import { createPromiseClient, type PromiseClient } from '@shop/sdk/lib/promise-client';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import { AuthServiceDefinition } from '@shop/sdk/ts/shop/users/v1/auth_service';
import { UserServiceDefinition } from '@shop/sdk/ts/shop/users/v1/user_service';
import { usersService } from '../src/service';

type Metadata = { metadata: Record<string, string> };

const ENV = { LOG_LEVEL: 'error', PASSWORD_HASH_COST: '10' };
const PASSWORD = 'correct-horse-battery-1';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** eventually retries check until it stops throwing or timeoutMs passes. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await sleep(50);
    }
  }
}

describe.each(backends())('the users event feed on %s', (backend: Backend) => {
  let auth: TestAuth;
  let svc: TestService;
  let users: PromiseClient<typeof UserServiceDefinition>;
  let login: PromiseClient<typeof AuthServiceDefinition>;
  let feed: PromiseClient<typeof EventFeedServiceDefinition>;
  let orders: Metadata;

  beforeAll(async () => {
    auth = await createTestAuth();
    svc = await startTestService(usersService, { auth, backend, env: ENV });
    const options = { defaultDeadlineMs: 5000 };
    users = createPromiseClient(UserServiceDefinition, svc.address, credentials.createInsecure(), options);
    login = createPromiseClient(AuthServiceDefinition, svc.address, credentials.createInsecure(), options);
    feed = createPromiseClient(EventFeedServiceDefinition, svc.address, credentials.createInsecure(), options);
    orders = { metadata: { 'x-shop-service-token': await (await auth.identity('orders')).token('users') } };
  });

  afterAll(async () => {
    await svc?.stop();
    auth?.cleanup();
  });

  it('publishes UserRegistered and UserDeleted without passwords or tokens, and nothing for a refused registration', async () => {
    const email = `events-${randomBytes(4).toString('hex')}@example.com`;
    const { user } = await users.register({ email: `  ${email.toUpperCase()} `, password: PASSWORD, displayName: 'Event Tester' });
    await users.register({ email, password: PASSWORD, displayName: 'Again' }).catch(() => undefined); // taken: no event
    const { tokens } = await login.login({ email, password: PASSWORD });
    await users.deleteCurrentUser({ password: PASSWORD }, { metadata: { authorization: `Bearer ${tokens!.accessToken}` } });

    const mine = await eventually(async () => {
      const { events } = await feed.pullEvents({ afterPosition: 0n, maxEvents: 1000 }, orders);
      const list = events.map((e) => e.envelope!).filter((e) => e.subject === user!.id);
      expect(list).toHaveLength(2);
      return list;
    });
    expect(mine.map((e) => [e.type, e.source])).toEqual([
      ['shop.events.v1.UserRegistered', 'users'],
      ['shop.events.v1.UserDeleted', 'users'],
    ]);
    expect(mine.map((e) => e.payload)).toEqual([
      { $case: 'userRegistered', value: { userId: user!.id, email, displayName: 'Event Tester' } },
      { $case: 'userDeleted', value: { userId: user!.id } },
    ]);
    const serialized = JSON.stringify(mine);
    expect(serialized).not.toContain(PASSWORD);
    expect(serialized).not.toContain(tokens!.accessToken);
    expect(serialized).not.toContain(tokens!.refreshToken);
  });
});
